// The pure parts of codeReview and securityAudit: secret patterns, entropy and the allowlist,
// risky-code patterns, diff parsing and chunking, reading a model's findings, merging duplicates.
import { parseReview } from '../../activities/dev/code-review/ai-review';
import {
  addedLines,
  chunkDiff,
  commentableLines,
  parseGitDiff,
  parseHunks,
  renderChunk,
} from '../../activities/dev/code-review/diff';
import { sizeAndComplexity } from '../../activities/dev/code-review/signals';
import { scanRisky } from '../../activities/dev/checks/risky';
import { fingerprint, parseAllowlist, scanSecrets, shannonEntropy } from '../../activities/dev/checks/secrets';
import { mergeFindings } from '../../workflows/contract/findings';
import type { Finding } from '../../workflows/contract/findings';

// Built at run time so that this file itself holds no credential-shaped literal.
const AWS = ['AKIA', 'Z7Q2', 'M4XW', 'P9RT', 'K3LB'].join('');
const GH = ['gh', 'p_', 'R8f2Kx9QmZ4vT1bW7nY3cJ6hL0pS5dGaE2uV'].join('');
const RANDOM = ['q9Zr7Lk2', 'Vx8Bn4Tm', 'W1sPd6Hy', 'C3gFj0Ue'].join('');
const lines = (text: string) => text.split('\n').map((t, i) => ({ line: i + 1, text: t }));

describe('secrets', () => {
  const file = [
    'const region = "eu-west-1";',
    `const key = "${AWS}";`,
    `token = '${GH}'`,
    `const apiSecret = "${RANDOM}";`,
    'const example = "AKIAIOSFODNN7EXAMPLE";',
    'const name = "just_a_normal_identifier_name_here";',
    'const sha = "3f786850e387550fdab836ed7e6dc881de23001b";',
  ].join('\n');

  test('finds an AWS key, a GitHub token and a high-entropy secret at their lines, and names no secret in full', () => {
    const found = scanSecrets('src/config.ts', lines(file));
    const at = found.map((f) => `${f.rule}@${f.line}`);
    expect(at).toEqual(
      expect.arrayContaining([
        'secret/aws-access-key-id@2',
        'secret/github-token@3',
        'secret/high-entropy-string@4',
        'secret/aws-access-key-id@5',
      ]),
    );
    expect(found.some((f) => f.line === 1 || f.line === 6 || f.line === 7)).toBe(false);
    for (const f of found) {
      expect(f.message).not.toContain(AWS);
      expect(f.message).not.toContain(GH);
      expect(f.message).not.toContain(RANDOM);
    }
    expect(found.find((f) => f.line === 2)?.message).toContain(`fingerprint ${fingerprint(AWS)}`);
  });

  test('the allowlist: literal values, fingerprints, locations, paths and rules; bad lines are reported', () => {
    const allow = parseAllowlist(
      [
        '# examples from the docs',
        'AKIAIOSFODNN7EXAMPLE',
        `fingerprint:${fingerprint(GH).slice(0, 10)}`,
        'line:src/config.ts:4',
        'path:test/fixtures/**',
        'rule:secret/slack-token',
        'fingerprint:xyz',
      ].join('\n'),
    );
    expect(allow.problems).toEqual([expect.stringContaining(':7: "fingerprint:xyz" is not a fingerprint')]);
    const found = scanSecrets('src/config.ts', lines(file), allow);
    expect(found.map((f) => f.line)).toEqual([2]);
    expect(scanSecrets('test/fixtures/deep/keys.ts', lines(file), allow)).toEqual([]);
  });

  test('an inline pragma and lockfile checksums are not findings', () => {
    expect(scanSecrets('a.ts', lines(`const k = "${AWS}"; // claude-flow: allow-secret`))).toEqual([]);
    const lock = `"integrity": "sha512-${RANDOM}${RANDOM}=="`;
    expect(scanSecrets('package-lock.json', lines(lock))).toEqual([]);
  });

  test('lessons from scanning this project: words, encoded data and placeholders are not secrets; JWTs are', () => {
    const jwt = [
      'eyJhbGciOiJIUzI1NiJ9',
      'eyJzdWIiOiIxMjM0NTY3ODkwIn0',
      'dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
    ].join('.');
    const text = [
      "  auth: 'GithubAuthFailed',",
      '  "data": "eyJyZXBvIjoiYWNtZS9zaG9wIiwicHVsbFJlcXVlc3QiOjEyfQ=="',
      'url = "postgresql://app:***@db:5432/app"',
      'url = "postgresql://app:${DB_PASSWORD}@db:5432/app"',
      'url = "postgresql://app:s3cr3t-Pa55@db:5432/app"',
      `const session = "${jwt}";`,
    ].join('\n');
    expect(scanSecrets('src/x.ts', lines(text)).map((f) => `${f.rule}@${f.line}`)).toEqual([
      'secret/password-in-url@5',
      'secret/jwt@6',
    ]);
  });

  test('entropy: random strings score high, words and repeats low', () => {
    expect(shannonEntropy(RANDOM)).toBeGreaterThan(4.3);
    expect(shannonEntropy('aaaaaaaaaaaaaaaaaaaaaaaa')).toBe(0);
    expect(shannonEntropy('password_password_password')).toBeLessThan(3.5);
  });
});

describe('risky code', () => {
  test('SQL built only from upper-case constants is not flagged; from anything else it is', () => {
    const src = [
      'q(`INSERT INTO t (id, ${COLUMNS}) VALUES ($1, $2) RETURNING ${COLUMNS}`);',
      "q('DELETE FROM t WHERE id = $1 AND NOT ' + LIVE, [id]);",
      'q(`SELECT * FROM t WHERE ${where}`);',
    ].join('\n');
    expect(scanRisky('a.ts', lines(src)).map((f) => f.line)).toEqual([3]);
  });

  test('eval, shell commands built from input, SQL concatenation, disabled TLS', () => {
    const src = [
      'const r = eval(userInput);',
      'exec(`git log ${branch}`);',
      'const re = /x/.exec(text);',
      'db.query("SELECT * FROM users WHERE id = " + id);',
      'db.query("SELECT * FROM users WHERE id = $1", [id]);',
      'https.request({ rejectUnauthorized: false });',
      '// eval( is fine in a comment',
      'const q = `DELETE FROM items WHERE id = ${id}`;',
    ].join('\n');
    const found = scanRisky('src/a.ts', lines(src)).map((f) => `${f.rule}@${f.line}`);
    expect(found).toEqual([
      'risky/eval@1',
      'risky/shell-command@2',
      'risky/sql-concatenation@4',
      'risky/tls-verification-disabled@6',
      'risky/sql-concatenation@8',
    ]);
    const py = [
      'subprocess.run(cmd, shell=True)',
      'requests.get(url, verify=False)',
      'cur.execute(f"SELECT a FROM t WHERE b = {x}")',
    ];
    expect(scanRisky('app.py', lines(py.join('\n'))).map((f) => f.rule)).toEqual([
      'risky/shell-command',
      'risky/tls-verification-disabled',
      'risky/sql-concatenation',
    ]);
  });
});

const GIT_DIFF = `diff --git a/src/a.ts b/src/a.ts
index 1111111..2222222 100644
--- a/src/a.ts
+++ b/src/a.ts
@@ -1,3 +1,4 @@
 const a = 1;
-const b = 2;
+const b = 3;
+const c = 4;
 export { a };
@@ -10,2 +11,3 @@ function f() {
   return 1;
+  // added
 }
diff --git a/img.png b/img.png
new file mode 100644
index 0000000..3333333
Binary files /dev/null and b/img.png differ
diff --git a/old name.ts b/new name.ts
similarity index 90%
rename from old name.ts
rename to new name.ts
index 4444444..5555555 100644
--- a/old name.ts
+++ b/new name.ts
@@ -1 +1 @@
-x
+y
diff --git a/gone.ts b/gone.ts
deleted file mode 100644
index 6666666..0000000
--- a/gone.ts
+++ /dev/null
@@ -1 +0,0 @@
-bye
`;

describe('diffs', () => {
  test('git diff: files, statuses, renames, binaries, line numbers on both sides', () => {
    const files = parseGitDiff(GIT_DIFF);
    expect(files.map((f) => [f.path, f.status, f.binary, f.additions, f.deletions])).toEqual([
      ['src/a.ts', 'modified', false, 3, 1],
      ['img.png', 'added', true, 0, 0],
      ['new name.ts', 'renamed', false, 1, 1],
      ['gone.ts', 'removed', false, 0, 1],
    ]);
    expect(files[2].oldPath).toBe('old name.ts');
    expect(addedLines(files[0])).toEqual([
      { line: 2, text: 'const b = 3;' },
      { line: 3, text: 'const c = 4;' },
      { line: 12, text: '  // added' },
    ]);
    expect([...commentableLines(files[0])].sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 11, 12, 13]);
  });

  test('a GitHub patch without a trailing newline marker', () => {
    const h = parseHunks('@@ -0,0 +1,2 @@\n+one\n+two\n\\ No newline at end of file');
    expect(h[0].lines.map((l) => l.newNo)).toEqual([1, 2]);
  });

  test('chunking keeps within the budget, groups small files, leaves out binaries and removals, and caps chunks', () => {
    const files = parseGitDiff(GIT_DIFF);
    const { chunks, leftOut } = chunkDiff(files, 1000, 10);
    expect(chunks).toHaveLength(1);
    expect(chunks[0].parts).toEqual([
      { path: 'src/a.ts', from: 0, to: 2 },
      { path: 'new name.ts', from: 0, to: 1 },
    ]);
    expect(leftOut).toEqual([
      { path: 'img.png', reason: 'binary file' },
      { path: 'gone.ts', reason: 'file removed' },
    ]);
    const tiny = chunkDiff(files, 20, 2);
    expect(tiny.chunks).toHaveLength(2);
    expect(tiny.leftOut.some((l) => /over the limit of 2/.test(l.reason))).toBe(true);
    const text = renderChunk(files, chunks[0], 1000).text;
    expect(text).toContain('### new name.ts (renamed from old name.ts) [renamed]');
    expect(text).toContain('    3 +const c = 4;');
  });

  test('size and complexity signals', () => {
    const deep = parseHunks(`@@ -0,0 +1,2 @@\n+x\n+${' '.repeat(28)}deep();`);
    const found = sizeAndComplexity([
      { path: 'a.ts', status: 'added', binary: false, hunks: deep, additions: 2, deletions: 0 },
      { path: 'big.ts', status: 'modified', binary: false, hunks: [], additions: 900, deletions: 300 },
    ]);
    expect(found.map((f) => `${f.rule}@${f.path ?? ''}:${f.line ?? ''}`)).toEqual([
      'size/large-change@:',
      'complexity/deep-nesting@a.ts:2',
      'size/large-file-change@big.ts:',
    ]);
  });
});

describe("reading the model's findings", () => {
  const shown = new Map([['src/a.ts', new Set([1, 2, 3])]]);

  test('JSON in a fence, aliases for severities, findings elsewhere dropped, lines outside the chunk removed', () => {
    const reply =
      'Here you go:\n```json\n' +
      JSON.stringify({
        findings: [
          { path: 'src/a.ts', line: 2, severity: 'warning', title: 'Off by one', message: 'b should be 2' },
          { path: 'src/a.ts', line: 99, severity: 'HIGH', message: 'not in the chunk' },
          { path: 'other.ts', line: 1, severity: 'low', message: 'wrong file' },
          'nonsense',
        ],
      }) +
      '\n```';
    const r = parseReview(reply, shown);
    expect(r).toEqual({
      dropped: 2,
      findings: [
        {
          rule: 'ai/review',
          severity: 'medium',
          message: 'Off by one: b should be 2',
          path: 'src/a.ts',
          line: 2,
          source: 'ai',
        },
        { rule: 'ai/review', severity: 'high', message: 'not in the chunk', path: 'src/a.ts', source: 'ai' },
      ],
    });
  });

  test('garbage is a reason, not a crash', () => {
    expect(parseReview('I think the code looks great!', shown)).toMatch(/not JSON findings \("I think the code/);
    expect(parseReview('', shown)).toMatch(/empty reply/);
    expect(parseReview('{"findings": "none"}', shown)).toMatch(/not JSON findings/);
  });
});

describe('merging', () => {
  test('same place and topic fold together with the highest severity and both sources; order by severity', () => {
    const s: Finding[] = [
      {
        rule: 'secret/aws-access-key-id',
        severity: 'critical',
        path: 'a.ts',
        line: 2,
        source: 'static',
        message: 'AWS key',
      },
      { rule: 'risky/eval', severity: 'high', path: 'a.ts', line: 9, source: 'static', message: 'eval' },
    ];
    const ai: Finding[] = [
      {
        rule: 'ai/review',
        severity: 'high',
        path: 'a.ts',
        line: 2,
        source: 'ai',
        message: 'Hard-coded AWS credential',
      },
      {
        rule: 'ai/review',
        severity: 'critical',
        path: 'a.ts',
        line: 9,
        source: 'ai',
        message: 'eval of user input: code injection',
      },
      { rule: 'ai/review', severity: 'low', path: 'a.ts', line: 9, source: 'ai', message: 'variable name is unclear' },
    ];
    const merged = mergeFindings([s, ai]);
    expect(merged.map((f) => `${f.rule}:${f.line}:${f.severity}:${f.source}`)).toEqual([
      'secret/aws-access-key-id:2:critical:static+ai',
      'risky/eval:9:critical:static+ai',
      'ai/review:9:low:ai',
    ]);
  });
});
