// Conventional commits: parsing, the version bump they call for, and the changelog they make.
import type { Bump, ParsedCommit } from './types';

const HEADER = /^(?<type>[a-zA-Z]+)(?:\((?<scope>[^()\r\n]*)\))?(?<bang>!)?: (?<description>.+)$/;
const BREAKING_FOOTER = /^BREAKING[ -]CHANGE:\s*([\s\S]*)$/m;

/** Parses one commit message (subject, blank line, body and footers). */
export function parseCommit(sha: string, message: string): ParsedCommit {
  const [subject, ...rest] = message.replace(/\r\n/g, '\n').split('\n');
  const body = rest.join('\n');
  const m = HEADER.exec(subject.trim());
  const footer = BREAKING_FOOTER.exec(body);
  // The footer's text runs to the next footer ("Token: value" / "Token #value") or the end.
  const breakingNote = footer?.[1]
    .split(/\n(?=[A-Za-z-]+(?:: | #))/)[0]
    .trim()
    .replace(/\s*\n\s*/g, ' ');
  if (!m?.groups) {
    return {
      sha,
      subject,
      description: subject.trim(),
      breaking: Boolean(footer),
      ...(breakingNote ? { breakingNote } : {}),
    };
  }
  const { type, scope, bang, description } = m.groups;
  return {
    sha,
    subject,
    type: type.toLowerCase(),
    ...(scope ? { scope: scope.trim() } : {}),
    description: description.trim(),
    breaking: Boolean(bang) || Boolean(footer),
    ...(breakingNote ? { breakingNote } : {}),
  };
}

/**
 * The bump the commits call for: a breaking change → major, a feature → minor, anything else →
 * patch. Undefined when there are no commits (nothing to release).
 */
export function bumpFor(commits: ParsedCommit[]): Bump | undefined {
  if (commits.length === 0) return undefined;
  if (commits.some((c) => c.breaking)) return 'major';
  if (commits.some((c) => c.type === 'feat')) return 'minor';
  return 'patch';
}

const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$/;

export function isSemver(v: string): boolean {
  return SEMVER.test(v);
}

/**
 * The next version after `current` for `bump`. Before 1.0.0 the public API is not stable (semver
 * §4), so a breaking change bumps the minor (0.4.2 → 0.5.0) and a feature or fix the patch
 * (0.4.2 → 0.4.3); leaving 0.x is a deliberate act (give the version). From a pre-release the next
 * version is its release when that is enough (1.2.0-rc.1 + minor → 1.2.0), as `npm version` does.
 */
export function nextVersion(current: string, bump: Bump): string {
  const m = SEMVER.exec(current);
  if (!m) throw new Error(`"${current}" is not a semantic version (MAJOR.MINOR.PATCH)`);
  let [major, minor, patch] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const pre = m[4] !== undefined;
  const effective: Bump = major === 0 ? (bump === 'major' ? 'minor' : 'patch') : bump;
  if (pre) {
    if (effective === 'major' && (minor !== 0 || patch !== 0)) return `${major + 1}.0.0`;
    if (effective === 'minor' && patch !== 0) return `${major}.${minor + 1}.0`;
    return `${major}.${minor}.${patch}`;
  }
  if (effective === 'major') [major, minor, patch] = [major + 1, 0, 0];
  else if (effective === 'minor') [minor, patch] = [minor + 1, 0];
  else patch += 1;
  return `${major}.${minor}.${patch}`;
}

const SECTIONS: [string, (c: ParsedCommit) => boolean][] = [
  ['Features', (c) => c.type === 'feat'],
  ['Bug Fixes', (c) => c.type === 'fix'],
  ['Performance', (c) => c.type === 'perf'],
  ['Reverts', (c) => c.type === 'revert'],
  ['Documentation', (c) => c.type === 'docs'],
  ['Other Changes', () => true],
];

function line(c: ParsedCommit, text = c.description): string {
  return `- ${c.scope ? `**${c.scope}:** ` : ''}${text} (${c.sha.slice(0, 7)})`;
}

/** The changelog section of one version: breaking changes first, then commits grouped by type. */
export function changelogMarkdown(opts: { version: string; date: string; commits: ParsedCommit[] }): string {
  const out = [`## ${opts.version} (${opts.date})`];
  const breaking = opts.commits.filter((c) => c.breaking);
  if (breaking.length > 0) {
    out.push('', '### ⚠ BREAKING CHANGES', '', ...breaking.map((c) => line(c, c.breakingNote ?? c.description)));
  }
  const placed = new Set<ParsedCommit>();
  for (const [title, match] of SECTIONS) {
    const items = opts.commits.filter((c) => !placed.has(c) && match(c));
    items.forEach((c) => placed.add(c));
    if (items.length > 0) out.push('', `### ${title}`, '', ...items.map((c) => line(c)));
  }
  if (opts.commits.length === 0) out.push('', 'No changes.');
  return `${out.join('\n')}\n`;
}
