// Reading the diff under review: a pull request through the GitHub activities, or a local range with
// git (streamed: any size). Refs are resolved to commits once (collect), so every later re-read
// (static checks, each AI chunk, publishing) sees the same diff; the working tree's uncommitted
// changes become a snapshot commit for that. A small per-process cache saves the re-reads' cost.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/activity';
import type { createGithubActivities } from '../../github';
import { git } from '../../session/git';
import { countLines, type DiffFile, parseHunks } from './diff';
import { gitWith, streamGitDiff } from './git-stream';
import type { DiffSource } from './types';

type Github = ReturnType<typeof createGithubActivities>;

const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';

export function badInput(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: 'InvalidReviewInput', nonRetryable: true, message });
}

async function tryGit(repo: string, args: string[]): Promise<string | undefined> {
  try {
    return await git(repo, args);
  } catch {
    return undefined;
  }
}

/** The default branch: origin's HEAD, else a local main or master. */
async function defaultBranch(repo: string): Promise<string | undefined> {
  const remote = await tryGit(repo, ['symbolic-ref', '--quiet', 'refs/remotes/origin/HEAD']);
  if (remote) return remote.replace(/^refs\/remotes\//, '');
  for (const b of ['main', 'master']) {
    if (await tryGit(repo, ['rev-parse', '--verify', '--quiet', `refs/heads/${b}`])) return b;
  }
  return undefined;
}

/** Who the snapshot commit of a working tree says made it (it is never on a branch). */
const SNAPSHOT_IDENTITY = {
  GIT_AUTHOR_NAME: 'Claude Flow',
  GIT_AUTHOR_EMAIL: 'claude-flow@localhost',
  GIT_COMMITTER_NAME: 'Claude Flow',
  GIT_COMMITTER_EMAIL: 'claude-flow@localhost',
};

/**
 * The tree of the working tree as `git add -A` would stage it (untracked files included, ignored
 * ones not), written through a temporary index: the repository's index, branch and files are not
 * touched.
 */
export async function workingTreeTree(repo: string, head: string | undefined): Promise<string> {
  const tmp = path.join(os.tmpdir(), `cf-review-index-${randomBytes(6).toString('hex')}`);
  const index = path.resolve(repo, await gitWith(repo, ['rev-parse', '--git-path', 'index']));
  try {
    // Starting from the real index keeps its file stats: git re-reads only what changed.
    if (fs.existsSync(index)) fs.copyFileSync(index, tmp);
    else if (head) await gitWith(repo, ['read-tree', head], { GIT_INDEX_FILE: tmp });
    await gitWith(repo, ['add', '-A'], { GIT_INDEX_FILE: tmp });
    return await gitWith(repo, ['write-tree'], { GIT_INDEX_FILE: tmp });
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

/** A commit of the working tree on top of HEAD (or of nothing, before the first commit); no ref names it. */
async function snapshotWorkingTree(repo: string, head: string | undefined): Promise<string> {
  const tree = await workingTreeTree(repo, head);
  return gitWith(
    repo,
    ['commit-tree', tree, ...(head ? ['-p', head] : []), '-m', 'Working tree under review (Claude Flow snapshot)'],
    SNAPSHOT_IDENTITY,
  );
}

/**
 * Resolves a local repository and refs: head defaults to HEAD; base to the merge-base with the
 * default branch when head is not on it, else head's parent, else the empty tree (a first commit).
 * With `workingTree`, head is a snapshot of the working tree and base defaults to HEAD.
 */
export async function resolveLocal(input: { path: string; base?: string; head?: string; workingTree?: boolean }) {
  if (!path.isAbsolute(input.path)) badInputThrow(`path "${input.path}" must be absolute`);
  if (!fs.existsSync(input.path)) badInputThrow(`path ${input.path} does not exist`);
  const root = await tryGit(input.path, ['rev-parse', '--show-toplevel']);
  if (!root) badInputThrow(`${input.path} is not inside a git repository (git rev-parse found none)`);
  const repo = root as string;
  const resolve = async (ref: string, what: string) => {
    const sha = await tryGit(repo, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
    if (!sha) badInputThrow(`${what} "${ref}" is not a commit in ${repo}; give a branch, tag or commit that exists`);
    return sha as string;
  };
  if (input.workingTree) {
    if (input.head) badInputThrow('head and workingTree exclude each other: the working tree is the head');
    const current = await tryGit(repo, ['rev-parse', '--verify', '--quiet', 'HEAD^{commit}']);
    const base = input.base ? await resolve(input.base, 'base') : (current ?? EMPTY_TREE);
    const how = input.base ?? (current ? 'HEAD' : 'empty tree (no commit yet)');
    return { repo, base, head: await snapshotWorkingTree(repo, current), how, workingTree: true as const };
  }
  const head = await resolve(input.head ?? 'HEAD', 'head');
  let base: string;
  let how: string;
  if (input.base) {
    base = await resolve(input.base, 'base');
    how = input.base;
  } else {
    const def = await defaultBranch(repo);
    const mb = def ? await tryGit(repo, ['merge-base', def, head]) : undefined;
    if (mb && mb !== head) {
      base = mb;
      how = `merge-base with ${def}`;
    } else {
      const parent = await tryGit(repo, ['rev-parse', '--verify', '--quiet', `${head}^1`]);
      base = parent ?? EMPTY_TREE;
      how = parent ? 'parent of head' : 'empty tree (first commit)';
    }
  }
  return { repo, base, head, how };
}

function badInputThrow(message: string): never {
  throw badInput(message);
}

/** A small cache: the same diff is read by several activities of one review on one worker. */
const cache = new Map<string, DiffFile[]>();
const CACHE_SIZE = 8;

export function sourceKey(s: DiffSource): string {
  return s.kind === 'pr' ? `pr:${s.repo}#${s.pull}@${s.headSha}` : `local:${s.path}@${s.base}..${s.head}`;
}

export async function readDiff(source: DiffSource, github: Github): Promise<DiffFile[]> {
  const key = sourceKey(source);
  const hit = cache.get(key);
  if (hit) return hit;
  let files: DiffFile[];
  if (source.kind === 'local') {
    files = await streamGitDiff(source.path, [
      'diff',
      '--no-color',
      '--no-ext-diff',
      '-M',
      '-U3',
      source.base,
      source.head,
    ]);
  } else {
    const list = await github.githubListPullRequestFiles({ repo: source.repo, pull: source.pull });
    files = list.map((f) => {
      const hunks = f.patch === undefined ? [] : parseHunks(f.patch);
      const status = (['added', 'removed', 'renamed'].includes(f.status) ? f.status : 'modified') as DiffFile['status'];
      return {
        path: f.filename,
        ...(f.previousFilename ? { oldPath: f.previousFilename } : {}),
        status,
        // GitHub sends no patch for binary files and for diffs too large to show.
        binary: f.patch === undefined,
        ...(f.patch === undefined ? { noPatch: true } : {}),
        hunks,
        ...(hunks.length ? countLines(hunks) : { additions: f.additions, deletions: f.deletions }),
      };
    });
  }
  cache.set(key, files);
  if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value as string);
  return files;
}

/** A file at the head of the source, or undefined when it is not there. */
export async function readAtHead(source: DiffSource, file: string, github: Github): Promise<string | undefined> {
  if (source.kind === 'local') return tryGit(source.path, ['show', `${source.head}:${file}`]);
  try {
    return (await github.githubGetFileContent({ repo: source.repo, path: file, ref: source.headSha })).content;
  } catch (err) {
    if (err instanceof ApplicationFailure && err.type === 'GithubNotFound') return undefined;
    throw err;
  }
}
