// Git for sessions: where a local project stands (for checkpoints) and going back there (rollback),
// never at the cost of uncommitted work.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
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

/** Where HEAD is: the branch checked out, or the commit when HEAD is detached. */
export async function currentHead(repo: string): Promise<{ branch?: string; commit: string }> {
  const commit = await headCommit(repo);
  const branch = await git(repo, ['symbolic-ref', '-q', '--short', 'HEAD']).catch(() => '');
  return branch ? { branch, commit } : { commit };
}

const refuse = (type: string, message: string) => ApplicationFailure.create({ type, nonRetryable: true, message });

/**
 * Everything a rollback's git step needs, checked before anything changes: a clean working tree,
 * no other git process holding the index (a stale `.git/index.lock` from a crashed editor), and
 * the checkpoint's commit still in the repository.
 */
export async function assertCanCheckout(repo: string, commit: string): Promise<void> {
  await assertClean(repo);
  const gitDir = await git(repo, ['rev-parse', '--absolute-git-dir']);
  if (fs.existsSync(path.join(gitDir, 'index.lock'))) {
    throw refuse(
      'DirtyWorkingTree',
      `${path.join(gitDir, 'index.lock')} exists: another git process is running, or one crashed and left it; ` +
        'when no git command is running, delete the file and roll back again',
    );
  }
  const found = await git(repo, ['cat-file', '-t', commit]).catch(() => '');
  if (found !== 'commit') {
    throw refuse(
      'Unprocessable',
      `the checkpoint's commit ${commit} is no longer in ${repo} (was it garbage-collected or the history rewritten?); ` +
        'nothing was rolled back',
    );
  }
}

/**
 * Puts the repository at `commit` on the new branch `branch` and checks it out. Idempotent: a retried
 * attempt that finds the branch already there at `commit` just checks it out; a branch of that name
 * pointing elsewhere is refused, never moved.
 */
export async function checkoutNewBranch(repo: string, branch: string, commit: string): Promise<void> {
  const existing = await git(repo, ['rev-parse', '-q', '--verify', `refs/heads/${branch}`]).catch(() => '');
  if (existing && existing !== (await git(repo, ['rev-parse', `${commit}^{commit}`]))) {
    throw refuse('Conflict', `branch ${branch} already exists at another commit; nothing was rolled back`);
  }
  if (existing) await git(repo, ['checkout', '-q', branch]);
  else await git(repo, ['checkout', '-q', '-b', branch, commit]);
}

/** Undoes {@link checkoutNewBranch}: back to where HEAD was, and the new branch removed. */
export async function undoCheckout(repo: string, branch: string, before: { branch?: string; commit: string }) {
  await git(repo, ['checkout', '-q', before.branch ?? before.commit]);
  await git(repo, ['branch', '-D', branch]);
}
