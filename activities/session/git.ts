// Git for sessions: where a local project stands (for checkpoints) and going back there (rollback),
// never at the cost of uncommitted work.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ApplicationFailure } from '@temporalio/activity';

const exec = promisify(execFile);

/** Runs git in `repo`; a failure is a non-retryable GitFailed naming the command and its stderr. */
export async function git(repo: string, args: string[]): Promise<string> {
  try {
    const { stdout } = await exec('git', ['-C', repo, ...args], { maxBuffer: 10 * 1024 * 1024 });
    // Only trailing space goes: porcelain output starts with meaningful columns.
    return stdout.trimEnd();
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr?.trim();
    throw ApplicationFailure.create({
      type: 'GitFailed',
      nonRetryable: true,
      message: `git ${args.join(' ')} failed in ${repo}: ${stderr || (err as Error).message}`,
    });
  }
}

export async function headCommit(repo: string): Promise<string> {
  return git(repo, ['rev-parse', 'HEAD']);
}

/** Refuses (non-retryable) when the working tree has changes a checkout could lose. */
export async function assertClean(repo: string): Promise<void> {
  const status = await git(repo, ['status', '--porcelain', '--untracked-files=normal']);
  if (status) {
    const files = status
      .split('\n')
      .slice(0, 5)
      .map((l) => l.slice(3));
    throw ApplicationFailure.create({
      type: 'DirtyWorkingTree',
      nonRetryable: true,
      message: `${repo} has uncommitted changes (${files.join(', ')}${status.split('\n').length > 5 ? ', …' : ''}): commit or stash them, then roll back again`,
    });
  }
}

/**
 * Checks out `ref` on a new branch named `branch`. Idempotent: if a retried attempt finds the
 * branch already there at `ref`, it just checks it out.
 */
export async function checkoutNewBranch(repo: string, branch: string, ref: string): Promise<void> {
  const existing = await git(repo, ['branch', '--list', branch]);
  if (existing) await git(repo, ['checkout', branch]);
  else await git(repo, ['checkout', '-b', branch, ref]);
}
