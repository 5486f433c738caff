// git for reviews: a local diff of any size read as a stream (git's output never sits whole in a
// buffer), each file's hunks kept up to a budget and the rest noted with why; and small git commands
// with an environment of their own (a temporary index for the working tree's snapshot).
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { ApplicationFailure } from '@temporalio/activity';
import { parseGitDiff, type DiffFile } from './diff';

const exec = promisify(execFile);

/** Bounds of what a review keeps of a diff in memory. */
export interface DiffLimits {
  /** One file's diff text: over it, the file is listed but not reviewed. */
  fileBytes: number;
  /** The whole diff: files after it is reached are listed but not reviewed. */
  totalBytes: number;
}

/** @default 1 MiB a file, 16 MiB in all: about 250,000 changed lines, far more than anyone reviews. */
export const DIFF_LIMITS: DiffLimits = { fileBytes: 1024 * 1024, totalBytes: 16 * 1024 * 1024 };

const mb = (n: number) => (n >= 1024 * 1024 ? `${+(n / 1024 / 1024).toFixed(1)} MB` : `${+(n / 1024).toFixed(1)} KB`);

const gitFailed = (args: string[], repo: string, why: string) =>
  ApplicationFailure.create({
    type: 'GitFailed',
    nonRetryable: true,
    message: `git ${args.join(' ')} failed in ${repo}: ${why}`,
  });

/** A small git command's output (trailing space trimmed); `env` is added to the worker's. */
export async function gitWith(repo: string, args: string[], env: Record<string, string> = {}): Promise<string> {
  try {
    const { stdout } = await exec('git', ['-C', repo, ...args], {
      maxBuffer: 10 * 1024 * 1024,
      // eslint-disable-next-line no-restricted-properties -- git inherits the worker's environment, as every git call here does; only GIT_* settings are added
      env: { ...process.env, ...env },
    });
    return stdout.trimEnd();
  } catch (err) {
    throw gitFailed(args, repo, (err as { stderr?: string }).stderr?.trim() || (err as Error).message);
  }
}

/** One file's section of the diff while it streams by. */
class Section {
  header: string[] = [];
  body: string[] = [];
  inHunks = false;
  bytes = 0;
  additions = 0;
  deletions = 0;
  over?: string;
  constructor(first: string) {
    this.header.push(first);
  }
  count(first: string | undefined) {
    if (first === '+') this.additions++;
    else if (first === '-') this.deletions++;
  }
}

/** Builds DiffFiles from git's diff output, line by line, within `limits`. */
class DiffCollector {
  files: DiffFile[] = [];
  private cur?: Section;
  private kept = 0;
  constructor(private readonly limits: DiffLimits) {}

  line(l: string) {
    if (l.startsWith('diff --git ')) {
      this.finish();
      this.cur = new Section(l);
      return;
    }
    const s = this.cur;
    if (!s) return;
    if (!s.inHunks && !l.startsWith('@@')) {
      s.header.push(l);
      return;
    }
    s.inHunks = true;
    s.count(l[0]);
    if (s.over) return;
    s.bytes += l.length + 1;
    if (s.bytes > this.limits.fileBytes)
      this.drop(s, `its diff is over ${mb(this.limits.fileBytes)}, the most one file may have`);
    else if (this.kept + s.bytes > this.limits.totalBytes) {
      this.drop(
        s,
        `the diff before it already has ${mb(this.kept)}, near the ${mb(this.limits.totalBytes)} a review reads`,
      );
    } else s.body.push(l);
  }

  /** A line too long to keep (it alone is over a file's budget): counted, never held whole. */
  longLine(first: string | undefined) {
    const s = this.cur;
    if (!s) return;
    s.inHunks = true;
    s.count(first);
    if (!s.over) this.drop(s, `its diff is over ${mb(this.limits.fileBytes)}, the most one file may have`);
  }

  private drop(s: Section, why: string) {
    s.over = why;
    s.body = [];
  }

  finish() {
    const s = this.cur;
    this.cur = undefined;
    if (!s) return;
    const [file] = parseGitDiff([...s.header, ...s.body].join('\n'));
    if (!file) return;
    if (s.over) {
      this.files.push({ ...file, hunks: [], additions: s.additions, deletions: s.deletions, skipped: s.over });
    } else {
      this.kept += s.bytes;
      this.files.push(file);
    }
  }
}

/**
 * `git diff` (the args after `git -C repo`) parsed as it streams. A file over `fileBytes`, or after
 * `totalBytes` of diff, keeps its name and counts but no hunks, and says why in `skipped`.
 */
export function streamGitDiff(repo: string, args: string[], limits: DiffLimits = DIFF_LIMITS): Promise<DiffFile[]> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['-C', repo, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const collector = new DiffCollector(limits);
    let carry = '';
    let dropping: { first: string | undefined } | undefined;
    let stderr = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      let start = 0;
      for (let nl = chunk.indexOf('\n'); nl !== -1; nl = chunk.indexOf('\n', start)) {
        if (dropping) collector.longLine(dropping.first);
        else collector.line(carry + chunk.slice(start, nl));
        carry = '';
        dropping = undefined;
        start = nl + 1;
      }
      if (dropping) return;
      carry += chunk.slice(start);
      if (carry.length > limits.fileBytes) {
        dropping = { first: carry[0] };
        carry = '';
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (s: string) => {
      if (stderr.length < 4_000) stderr += s;
    });
    child.on('error', (err) => reject(gitFailed(args, repo, err.message)));
    child.on('close', (code) => {
      if (code !== 0) return reject(gitFailed(args, repo, stderr.trim() || `exit code ${code}`));
      if (dropping) collector.longLine(dropping.first);
      else if (carry) collector.line(carry);
      collector.finish();
      resolve(collector.files);
    });
  });
}
