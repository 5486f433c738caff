// The release plan: the last version tag, the commits since it (read as conventional commits), the
// next version and its changelog section. Reads git only; writes nothing.
import { ApplicationFailure } from '@temporalio/activity';
import { git } from '../../session/git';
import { assertRepoDir, badInput } from '../test-run/runner';
import { bumpFor, changelogMarkdown, isSemver, nextVersion, parseCommit } from './conventional';
import type { ParsedCommit, ReleasePlan, ReleasePlanInput } from './types';

const FIRST_VERSION = '0.1.0';

const globEscape = (s: string) => s.replace(/[*?[\]\\]/g, '\\$&');

/**
 * The highest version tag (`<prefix><semver>`) in HEAD's history, or undefined. Unlike
 * `git describe --tags --abbrev=0` (the nearest tag of any name) it ignores tags that are not
 * versions and a lower version tagged later on a merged branch.
 */
async function lastVersionTag(repo: string, prefix: string): Promise<string | undefined> {
  // --merged HEAD: only tags in HEAD's history; sorted by version, newest first.
  const tags = await git(repo, ['tag', '--merged', 'HEAD', '--list', `${globEscape(prefix)}*`, '--sort=-v:refname']);
  for (const tag of tags.split('\n').filter(Boolean)) {
    if (isSemver(tag.slice(prefix.length))) return tag;
  }
  return undefined;
}

/** Commits in `range` (oldest first) as sha + full message. */
async function commitsIn(repo: string, range: string): Promise<ParsedCommit[]> {
  const SEP = '\u001e';
  const out = await git(repo, ['log', '--reverse', '--no-merges', `--format=%H%x1f%B${SEP}`, range]);
  return out
    .split(SEP)
    .map((r) => r.replace(/^\n+/, ''))
    .filter((r) => r.includes('\u001f'))
    .map((r) => {
      const [sha, message] = r.split('\u001f');
      return parseCommit(sha.trim(), message.trim());
    });
}

export async function releasePlan(input: ReleasePlanInput): Promise<ReleasePlan> {
  await assertRepoDir(input.path);
  const prefix = input.tagPrefix ?? 'v';
  if (input.version !== undefined && !isSemver(input.version)) {
    throw badInput(`version "${input.version}" is not a semantic version; use MAJOR.MINOR.PATCH, e.g. 1.0.0`);
  }
  const head = await git(input.path, ['rev-parse', '--verify', 'HEAD']).catch(() => {
    throw ApplicationFailure.create({
      type: 'InvalidInput',
      nonRetryable: true,
      message: `${input.path} is not a git repository with at least one commit`,
    });
  });
  const previousTag = await lastVersionTag(input.path, prefix);
  const previousVersion = previousTag ? previousTag.slice(prefix.length) : '0.0.0';
  const commits = await commitsIn(input.path, previousTag ? `${previousTag}..HEAD` : 'HEAD');
  // With no version tag yet, the first release is 0.1.0 (give `version` to start elsewhere).
  const bump = input.version || !previousTag ? undefined : bumpFor(commits);
  const version =
    input.version ?? (!previousTag ? FIRST_VERSION : bump ? nextVersion(previousVersion, bump) : previousVersion);
  const tag = `${prefix}${version}`;
  if (input.version !== undefined) {
    const exists = await git(input.path, ['tag', '--list', tag]);
    if (exists) throw badInput(`tag ${tag} already exists; give a version that has not been released`);
  }
  return {
    ...(previousTag ? { previousTag } : {}),
    previousVersion,
    nextVersion: version,
    tag,
    ...(bump ? { bump } : {}),
    head,
    commits,
    changelog: changelogMarkdown({ version: tag, date: input.date, commits }),
  };
}
