// The files an audit looks at, and how it reads them: git's tracked and untracked-but-not-ignored
// files (else a walk without .git and node_modules), text only, at most 1 MiB each.
import fs from 'node:fs';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/activity';
import { git } from '../../session/git';

export const MAX_FILE_BYTES = 1024 * 1024;
const SKIP_DIRS = new Set(['.git', 'node_modules', '.hg', '.svn']);

export function invalid(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: 'InvalidAuditInput', nonRetryable: true, message });
}

export function checkRepo(repo: string): void {
  if (!path.isAbsolute(repo)) throw invalid(`path "${repo}" must be absolute`);
  if (!fs.existsSync(repo) || !fs.statSync(repo).isDirectory()) throw invalid(`path ${repo} is not a directory`);
}

/** Files to scan: git's tracked and untracked-but-not-ignored files, else a walk without .git and node_modules. */
export async function listFiles(repo: string, max: number): Promise<{ files: string[]; more: number }> {
  let files: string[];
  if (fs.existsSync(path.join(repo, '.git'))) {
    const out = await git(repo, ['ls-files', '-z', '--cached', '--others', '--exclude-standard']);
    files = [...new Set(out.split('\0').filter(Boolean))];
  } else {
    files = [];
    const walk = (dir: string) => {
      for (const e of fs.readdirSync(path.join(repo, dir), { withFileTypes: true })) {
        const rel = dir ? `${dir}/${e.name}` : e.name;
        if (e.isDirectory() && !SKIP_DIRS.has(e.name)) walk(rel);
        else if (e.isFile()) files.push(rel);
        if (files.length > max * 2) return;
      }
    };
    walk('');
  }
  // Our own reports quote findings (masked): never scan them.
  files = files.filter((f) => !f.startsWith('.claude-flow/reports/')).sort();
  return { files: files.slice(0, max), more: Math.max(0, files.length - max) };
}

export function readText(file: string): string | undefined {
  let stat: fs.Stats;
  try {
    stat = fs.lstatSync(file);
  } catch {
    return undefined;
  }
  if (!stat.isFile() || stat.size > MAX_FILE_BYTES) return undefined;
  const buf = fs.readFileSync(file);
  if (buf.subarray(0, 8000).includes(0)) return undefined;
  return buf.toString('utf8');
}
