// A remote repository for the security audit: `{repo, ref}` resolved to a commit with `git
// ls-remote`, then a shallow fetch of exactly that commit over git's smart HTTP protocol, from the
// git host that goes with GITHUB_API_URL (https://api.github.com → https://github.com; a GitHub
// Enterprise Server's https://host/api/v3 → https://host). The token travels in an HTTP header set
// through git's environment, never in the URL or the command line.
//
// Checkouts are kept by commit under <dataDir>/checkouts/<owner>/<name>/<sha>, so any worker can
// (re)create the one an audit step needs, and a step retried on another worker finds the same files.
import fs from 'node:fs';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/activity';
import type { Config } from '../../../lib/config';
import { runCommand } from '../process';

export interface RemoteRef {
  repo: string;
  /** What was asked for: a branch, a tag, a full ref or a commit sha (default: the default branch). */
  ref?: string;
}

export interface ResolvedRemote {
  repo: string;
  commitSha: string;
  /** The full ref (refs/heads/main, refs/tags/v1); undefined when a bare commit sha was asked for. */
  fullRef?: string;
}

/** The web/git origin of the GitHub that GITHUB_API_URL names. */
export function gitBaseUrl(apiUrl: string): string {
  const u = new URL(apiUrl);
  if (/\/api\/v3\/?$/.test(u.pathname)) u.pathname = u.pathname.replace(/\/api\/v3\/?$/, '');
  else if (u.hostname.startsWith('api.')) u.hostname = u.hostname.slice(4);
  return `${u.origin}${u.pathname.replace(/\/+$/, '')}`;
}

export const cloneUrl = (config: Config, repo: string) => `${gitBaseUrl(config.github.apiUrl)}/${repo}.git`;

function gitEnv(config: Config): Record<string, string> {
  const env: Record<string, string> = { GIT_TERMINAL_PROMPT: '0', GIT_CONFIG_NOSYSTEM: '1', GIT_PROTOCOL: 'version=2' };
  if (config.github.token) {
    const basic = Buffer.from(`x-access-token:${config.github.token}`).toString('base64');
    Object.assign(env, {
      GIT_CONFIG_COUNT: '1',
      GIT_CONFIG_KEY_0: 'http.extraHeader',
      GIT_CONFIG_VALUE_0: `Authorization: Basic ${basic}`,
    });
  }
  return env;
}

function failure(message: string, nonRetryable: boolean): ApplicationFailure {
  return ApplicationFailure.create({
    type: nonRetryable ? 'InvalidAuditInput' : 'RemoteFetchFailed',
    nonRetryable,
    message,
  });
}

/** git's complaint, classified: a missing repository or ref or refused credentials will not improve by retrying. */
function gitFailure(what: string, stderr: string, code: number | null): ApplicationFailure {
  const text = stderr.trim().split('\n').slice(-2).join(' ').slice(0, 400);
  const permanent =
    /not found|does not appear to be a git repository|Authentication failed|could not read Username|401|403|404|couldn't find remote ref|not our ref/i.test(
      text,
    );
  return failure(`${what} failed (git exit ${code}): ${text}`, permanent);
}

const SHA = /^[0-9a-f]{40}$/i;

/** The commit `ref` names in `repo`, and its full ref. */
export async function resolveRemote(config: Config, input: RemoteRef): Promise<ResolvedRemote> {
  const url = cloneUrl(config, input.repo);
  const ref = input.ref ?? 'HEAD';
  if (SHA.test(ref)) return { repo: input.repo, commitSha: ref.toLowerCase() };
  const res = await runCommand({
    command: 'git',
    args: ['ls-remote', '--symref', url, ref],
    cwd: config.dataDir,
    env: gitEnv(config),
    timeoutMs: 120_000,
  });
  if (res.exitCode !== 0) throw gitFailure(`git ls-remote ${url}`, res.stderr, res.exitCode);
  const refs = new Map<string, string>();
  let symref: string | undefined;
  for (const line of res.stdout.split('\n')) {
    const sym = /^ref: (\S+)\s+HEAD$/.exec(line);
    if (sym) symref = sym[1];
    const m = /^([0-9a-f]{40})\s+(\S+)$/.exec(line);
    if (m) refs.set(m[2], m[1]);
  }
  const candidates =
    ref === 'HEAD' ? [symref ?? 'HEAD'] : ref.startsWith('refs/') ? [ref] : [`refs/heads/${ref}`, `refs/tags/${ref}`];
  for (const c of candidates) {
    // An annotated tag: its peeled line (`^{}`) names the commit.
    const sha = refs.get(`${c}^{}`) ?? refs.get(c) ?? (c === symref ? refs.get('HEAD') : undefined);
    if (sha) return { repo: input.repo, commitSha: sha, ...(c.startsWith('refs/') ? { fullRef: c } : {}) };
  }
  throw failure(
    `${input.repo} has no branch or tag "${ref}" (asked ${url}); give a branch, a tag, a full ref or a commit sha`,
    true,
  );
}

export function checkoutDir(config: Config, repo: string, sha: string): string {
  return path.join(config.dataDir, 'checkouts', ...repo.split('/'), sha);
}

/** The files of `sha`, fetched (depth 1) when this machine does not have them yet; its folder. */
export async function ensureCheckout(config: Config, repo: string, sha: string): Promise<string> {
  const dir = checkoutDir(config, repo, sha);
  if (fs.existsSync(path.join(dir, '.git'))) return dir;
  const url = cloneUrl(config, repo);
  const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
  fs.mkdirSync(tmp, { recursive: true });
  const run = (args: string[]) =>
    runCommand({ command: 'git', args, cwd: tmp, env: gitEnv(config), timeoutMs: 600_000 });
  try {
    for (const [what, args] of [
      ['git init', ['init', '-q']],
      [`git fetch ${url} ${sha.slice(0, 12)}`, ['fetch', '-q', '--depth', '1', '--no-tags', url, sha]],
      ['git checkout', ['-c', 'advice.detachedHead=false', 'checkout', '-q', '--detach', 'FETCH_HEAD']],
    ] as const) {
      const res = await run([...args]);
      if (res.exitCode !== 0) throw gitFailure(what, res.stderr, res.exitCode);
    }
    try {
      fs.renameSync(tmp, dir);
    } catch (err) {
      // Another attempt finished first: its checkout is the same commit.
      if (!fs.existsSync(path.join(dir, '.git'))) throw err;
    }
    return dir;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** Removes the checkout of `sha` on this machine (a copy another worker made stays there). */
export function removeCheckout(config: Config, repo: string, sha: string): void {
  fs.rmSync(checkoutDir(config, repo, sha), { recursive: true, force: true });
}
