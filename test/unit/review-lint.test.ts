// Linters' fixes as suggested changes, how they are written in a review, and a diff of any size read
// from a real git repository as a stream, within limits that say what they left out.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { streamGitDiff } from '../../activities/dev/code-review/git-stream';
import { lineStarts, offsetAt, offsetOfByte, suggestionFrom } from '../../activities/dev/code-review/lint/suggest';
import { commentBody } from '../../activities/dev/code-review/report';

test("ESLint's fix (one range) becomes its whole line rewritten", () => {
  const source = 'let total = 1;\nconsole.log(total);\n';
  // prefer-const: range [0, 14] → "const total = 1;"
  expect(suggestionFrom(source, [{ start: 0, end: 14, text: 'const total = 1;' }], 'ESLint fix')).toEqual({
    line: 1,
    endLine: 1,
    text: 'const total = 1;',
    description: 'ESLint fix',
  });
  // A fix inside a line keeps the rest of the line.
  const eq = 'if (a == b) go();\n';
  expect(suggestionFrom(eq, [{ start: 6, end: 8, text: '===' }])).toEqual({
    line: 1,
    endLine: 1,
    text: 'if (a === b) go();',
  });
  // A fix that changes nothing is no suggestion.
  expect(suggestionFrom(eq, [{ start: 6, end: 8, text: '==' }])).toBeUndefined();
});

test("ruff's edits by row and column: whole lines removed, a multi-line import rewritten", () => {
  const source = 'import os\nimport sys\n\nfrom os import (\n    path,\n    sep,\n)\n';
  const starts = lineStarts(source);
  // F401 on `import os`: (1,1)..(2,1) → "" deletes line 1.
  const del = suggestionFrom(source, [
    { start: offsetAt(source, starts, 1, 1), end: offsetAt(source, starts, 2, 1), text: '' },
  ]);
  expect(del).toEqual({ line: 1, endLine: 1, text: '' });
  // F401 on `path`: (4,1)..(7,2) → the import without it.
  const multi = suggestionFrom(source, [
    {
      start: offsetAt(source, starts, 4, 1),
      end: offsetAt(source, starts, 7, 2),
      text: 'from os import (\n    sep,\n)',
    },
  ]);
  expect(multi).toEqual({ line: 4, endLine: 7, text: 'from os import (\n    sep,\n)' });
  // Columns count characters: an emoji is one column, two UTF-16 units.
  const emoji = 'x = "😀" ;\n';
  expect(offsetAt(emoji, lineStarts(emoji), 1, 9)).toBe(emoji.indexOf(';'));
  // Overlapping edits are not applied.
  expect(
    suggestionFrom(source, [
      { start: 0, end: 5, text: '' },
      { start: 3, end: 8, text: '' },
    ]),
  ).toBeUndefined();
});

test("go vet's byte offsets are mapped to characters", () => {
  const source = 'package p\n\n// café\nfunc f() { x := 1; x = x; _ = x }\n';
  const bytes = Buffer.from(source);
  const start = bytes.indexOf('x = x;');
  const fix = suggestionFrom(source, [
    { start: offsetOfByte(source, start), end: offsetOfByte(source, start + 'x = x;'.length), text: '' },
  ]);
  expect(fix).toEqual({ line: 4, endLine: 4, text: 'func f() { x := 1;  _ = x }' });
});

test('a suggestion in a review comment: a GitHub suggestion block where it applies, else shown as text', () => {
  const f = {
    rule: 'ruff/F401',
    severity: 'medium' as const,
    message: '`os` imported but unused',
    path: 'a.py',
    line: 1,
    source: 'linter',
    suggestion: { line: 1, endLine: 1, text: '', description: 'Remove unused import: `os`' },
  };
  expect(commentBody(f, 'applicable')).toBe(
    '🟠 **medium** · `ruff/F401` (linter)\n\n`os` imported but unused\n\nRemove unused import: `os` (line 1):\n\n```suggestion\n```',
  );
  expect(commentBody(f, 'text')).toContain('Remove unused import: `os` (line 1): delete them');
  // Text holding a fence gets a longer fence.
  const fenced = { ...f, suggestion: { line: 2, endLine: 3, text: 'a = """\n```\n"""' } };
  expect(commentBody(fenced, 'applicable')).toContain(
    'Suggested change (lines 2–3):\n\n````suggestion\na = """\n```\n"""\n````',
  );
});

describe('a diff read as a stream, within limits', () => {
  let repo: string;
  beforeAll(() => {
    repo = fs.mkdtempSync(path.join(os.tmpdir(), 'cf-stream-diff-'));
    const git = (...args: string[]) =>
      execFileSync('git', args, {
        cwd: repo,
        env: {
          ...process.env,
          GIT_AUTHOR_NAME: 't',
          GIT_AUTHOR_EMAIL: 't@t',
          GIT_COMMITTER_NAME: 't',
          GIT_COMMITTER_EMAIL: 't@t',
        },
      });
    git('init', '-q', '-b', 'main');
    fs.writeFileSync(path.join(repo, 'keep.txt'), 'one\n');
    git('add', '.');
    git('commit', '-q', '-m', 'base');
    const lines = (n: number, what: string) => Array.from({ length: n }, (_, i) => `${what} ${i}`).join('\n') + '\n';
    fs.writeFileSync(path.join(repo, 'a-small.txt'), lines(10, 'small'));
    fs.writeFileSync(path.join(repo, 'b-large.txt'), lines(400, 'a line of the large file'));
    fs.writeFileSync(path.join(repo, 'c-one-line.min.js'), `var x = "${'y'.repeat(5_000)}";\n`);
    fs.writeFileSync(path.join(repo, 'd-medium.txt'), lines(200, 'medium'));
    fs.writeFileSync(path.join(repo, 'e-after.txt'), lines(100, 'after'));
    fs.appendFileSync(path.join(repo, 'keep.txt'), 'two\n');
    git('add', '.');
    git('commit', '-q', '-m', 'head');
  });
  afterAll(() => fs.rmSync(repo, { recursive: true, force: true }));

  test('files over the file limit, a line over it and files past the total keep names and counts, and say why', async () => {
    const files = await streamGitDiff(repo, ['diff', '--no-color', 'HEAD~1', 'HEAD'], {
      fileBytes: 2_500,
      totalBytes: 3_000,
    });
    const view = files.map((f) => [f.path, f.additions, f.deletions, f.hunks.length, f.skipped ?? 'kept']);
    expect(view).toEqual([
      ['a-small.txt', 10, 0, 1, 'kept'],
      ['b-large.txt', 400, 0, 0, 'its diff is over 2.4 KB, the most one file may have'],
      ['c-one-line.min.js', 1, 0, 0, 'its diff is over 2.4 KB, the most one file may have'],
      ['d-medium.txt', 200, 0, 1, 'kept'],
      ['e-after.txt', 100, 0, 0, 'the diff before it already has 2.4 KB, near the 2.9 KB a review reads'],
      ['keep.txt', 1, 0, 1, 'kept'],
    ]);
    expect(files[0].hunks[0].lines.map((l) => l.text)).toEqual(Array.from({ length: 10 }, (_, i) => `small ${i}`));
  });

  test('git failing is an error naming the command', async () => {
    await expect(streamGitDiff(repo, ['diff', 'no-such-ref'])).rejects.toThrow(
      /git diff no-such-ref failed in .*: fatal/,
    );
  });
});
