// Conventional commits, the version bump they call for (0.x rules included) and the changelog.
import { bumpFor, changelogMarkdown, nextVersion, parseCommit } from '../../activities/dev/deploy-prep/conventional';

test('commit headers, scopes, "!" and BREAKING CHANGE footers', () => {
  expect(parseCommit('a1', 'feat(api): add tokens')).toMatchObject({
    type: 'feat',
    scope: 'api',
    description: 'add tokens',
    breaking: false,
  });
  expect(parseCommit('a2', 'fix!: drop node 18')).toMatchObject({ type: 'fix', breaking: true });
  expect(parseCommit('a3', 'refactor(core)!: rename run')).toMatchObject({ scope: 'core', breaking: true });
  const footer = parseCommit(
    'a4',
    'feat: new config\n\nBody text.\n\nBREAKING CHANGE: the config file moved\nto .cf/config.json\nRefs: #12',
  );
  expect(footer).toMatchObject({ breaking: true, breakingNote: 'the config file moved to .cf/config.json' });
  expect(parseCommit('a5', 'Update README')).toEqual({
    sha: 'a5',
    subject: 'Update README',
    description: 'Update README',
    breaking: false,
  });
  expect(parseCommit('a6', 'feat:missing space').type).toBeUndefined();
});

test('bumps: breaking → major, feat → minor, anything else → patch, nothing → none', () => {
  const c = (m: string) => parseCommit('x', m);
  expect(bumpFor([c('fix: a'), c('feat!: b')])).toBe('major');
  expect(bumpFor([c('fix: a'), c('feat: b')])).toBe('minor');
  expect(bumpFor([c('docs: a'), c('chore: b')])).toBe('patch');
  expect(bumpFor([])).toBeUndefined();
});

test('next versions, with the 0.x and pre-release rules', () => {
  expect(nextVersion('1.4.2', 'major')).toBe('2.0.0');
  expect(nextVersion('1.4.2', 'minor')).toBe('1.5.0');
  expect(nextVersion('1.4.2', 'patch')).toBe('1.4.3');
  // 0.x: breaking → minor; features and fixes → patch.
  expect(nextVersion('0.4.2', 'major')).toBe('0.5.0');
  expect(nextVersion('0.4.2', 'minor')).toBe('0.4.3');
  expect(nextVersion('0.0.0', 'minor')).toBe('0.0.1');
  // From a pre-release: its release when that is enough.
  expect(nextVersion('1.2.0-rc.1', 'minor')).toBe('1.2.0');
  expect(nextVersion('1.2.0-rc.1', 'major')).toBe('2.0.0');
  expect(nextVersion('2.0.0-beta.3', 'major')).toBe('2.0.0');
  expect(nextVersion('1.2.3-rc.1', 'patch')).toBe('1.2.3');
  expect(() => nextVersion('v1.2', 'patch')).toThrow(/not a semantic version/);
});

test('the changelog: breaking changes first, then by type, other commits last', () => {
  const commits = [
    parseCommit('1111111aaaa', 'feat(api): add tokens'),
    parseCommit('2222222bbbb', 'fix: handle empty input'),
    parseCommit('3333333cccc', 'feat!: remove the v1 endpoints'),
    parseCommit('4444444dddd', 'chore: bump deps'),
    parseCommit('5555555eeee', 'Merge branch main'),
  ];
  expect(changelogMarkdown({ version: 'v2.0.0', date: '2026-11-25', commits })).toBe(
    [
      '## v2.0.0 (2026-11-25)',
      '',
      '### ⚠ BREAKING CHANGES',
      '',
      '- remove the v1 endpoints (3333333)',
      '',
      '### Features',
      '',
      '- **api:** add tokens (1111111)',
      '- remove the v1 endpoints (3333333)',
      '',
      '### Bug Fixes',
      '',
      '- handle empty input (2222222)',
      '',
      '### Other Changes',
      '',
      '- bump deps (4444444)',
      '- Merge branch main (5555555)',
      '',
    ].join('\n'),
  );
});
