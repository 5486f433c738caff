// The security audit's pure parts: the baseline file (accepted findings with reason and who, test and
// example paths), classification, merging results across tools, and the merged SARIF log checked
// against the official SARIF 2.1.0 schema.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { applyBaseline, loadBaseline, classify } from '../../activities/dev/security-audit/baseline';
import { buildMergedSarif } from '../../activities/dev/security-audit/merged-sarif';
import { encodeSarif } from '../../activities/github/code-scanning';
import { gitBaseUrl } from '../../activities/dev/security-audit/checkout';
import { mergeAnalyses, type Analysis, type AnalysisResult } from '../../workflows/contract/analysis';
import { sarifSchemaErrors } from '../helpers/sarif-schema';
import { gunzipSync } from 'node:zlib';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cf-merged-sarif-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function repoWithBaseline(content: unknown): string {
  const dir = fs.mkdtempSync(path.join(tmp, 'repo-'));
  fs.mkdirSync(path.join(dir, '.claude-flow'));
  fs.writeFileSync(
    path.join(dir, '.claude-flow', 'security-baseline.json'),
    typeof content === 'string' ? content : JSON.stringify(content),
  );
  return dir;
}

const result = (over: Partial<AnalysisResult>): AnalysisResult => ({
  rule: 'gitleaks/github-pat',
  tool: 'gitleaks',
  severity: 'critical',
  message: 'A GitHub token (ghp_…(40 chars), fingerprint 0123456789abcdef).',
  path: 'src/config.js',
  line: 3,
  source: 'gitleaks',
  fingerprint: '0123456789abcdef',
  ...over,
});

const analysis = (step: Analysis['step'], results: AnalysisResult[], tools: Analysis['tools']): Analysis => ({
  step,
  tools,
  results,
  total: results.length,
  filesScanned: 10,
  notes: [],
});

test('tests, fixtures and examples are classified by path and lowered to at most low', () => {
  const b = loadBaseline(repoWithBaseline({ paths: { test: ['qa/**'] } }));
  expect(classify(b, 'test/fixtures/keys.js')).toBe('test');
  expect(classify(b, 'pkg/store/store_test.go')).toBe('test');
  expect(classify(b, 'app/test_views.py')).toBe('test');
  expect(classify(b, 'src/api.spec.ts')).toBe('test');
  expect(classify(b, 'qa/smoke.sh')).toBe('test');
  expect(classify(b, 'examples/client.js')).toBe('example');
  expect(classify(b, '.env.example')).toBe('example');
  expect(classify(b, 'src/config.js')).toBeUndefined();
  const rs = [result({ path: 'test/fixtures/keys.js' }), result({ path: 'src/config.js' })];
  applyBaseline(b, rs);
  expect(rs[0]).toMatchObject({ classification: 'test', severity: 'low', originalSeverity: 'critical' });
  expect(rs[1]).toMatchObject({ severity: 'critical' });
  expect(rs[1].classification).toBeUndefined();
});

test('an accepted entry marks matching results with its reason and who accepted it; unused entries are named', () => {
  const b = loadBaseline(
    repoWithBaseline({
      accepted: [
        { rule: 'gitleaks/github-pat', path: 'src/**', reason: 'sandbox only', acceptedBy: 'alice' },
        { fingerprint: 'ffffffff', reason: 'never seen', acceptedBy: 'bob' },
      ],
    }),
  );
  const rs = [result({}), result({ rule: 'semgrep/js-eval', tool: 'semgrep', fingerprint: 'aaaaaaaaaaaaaaaa' })];
  expect(applyBaseline(b, rs)).toEqual({ unused: [1] });
  expect(rs[0].suppression).toEqual({ reason: 'sandbox only', acceptedBy: 'alice' });
  expect(rs[1].suppression).toBeUndefined();
});

test('a baseline that is not JSON, or whose entries lack a reason or who accepted them, is refused with what to fix', () => {
  expect(() => loadBaseline(repoWithBaseline('{ nope'))).toThrow(/security-baseline\.json is not valid JSON/);
  expect(() => loadBaseline(repoWithBaseline({ accepted: [{ rule: 'x', acceptedBy: 'a' }] }))).toThrow(
    'accepted.0.reason: reason is required: why this finding is accepted',
  );
  expect(() => loadBaseline(repoWithBaseline({ accepted: [{ reason: 'because', acceptedBy: 'a' }] }))).toThrow(
    'an entry needs at least one of rule, path or fingerprint',
  );
  expect(() => loadBaseline(repoWithBaseline({ accepted: [], extra: 1 }))).toThrow(/Unrecognized key/);
  expect(loadBaseline(fs.mkdtempSync(path.join(tmp, 'none-'))).file).toBeUndefined();
});

test('results merge across tools by place and topic: one result, every tool named, the worst severity kept', () => {
  const merged = mergeAnalyses([
    analysis(
      'secrets',
      [result({}), result({ rule: 'secret/github-token', tool: 'claude-flow', severity: 'high' })],
      [],
    ),
    analysis(
      'risky-code',
      [
        result({ rule: 'semgrep/js-eval', tool: 'semgrep', severity: 'high', line: 9, fingerprint: '1' }),
        result({ rule: 'semgrep/js-eval', tool: 'semgrep', severity: 'high', line: 9, fingerprint: '1' }),
      ],
      [],
    ),
    analysis(
      'linters',
      [result({ rule: 'eslint/no-eval', tool: 'eslint', severity: 'low', line: 9, fingerprint: '2' })],
      [],
    ),
  ]);
  expect(merged.map((r) => [r.rule, r.line, r.tools, r.severity])).toEqual([
    ['gitleaks/github-pat', 3, ['gitleaks', 'claude-flow'], 'critical'],
    ['semgrep/js-eval', 9, ['semgrep', 'eslint'], 'high'],
  ]);
});

test('the merged log is valid SARIF 2.1.0: tools as extensions, rules found through toolComponent, suppressions with justification', () => {
  const rs = [
    result({}),
    result({
      path: 'test/keys.js',
      severity: 'low',
      originalSeverity: 'critical',
      classification: 'test',
      fingerprint: 'b',
    }),
    result({ path: 'src/legacy.js', suppression: { reason: 'sandbox', acceptedBy: 'alice' }, fingerprint: 'c' }),
    result({
      rule: 'semgrep/js-eval',
      tool: 'semgrep',
      severity: 'high',
      message: 'eval of input',
      line: 12,
      column: 3,
    }),
    result({
      rule: 'secret/password-in-url',
      tool: 'claude-flow',
      severity: 'high',
      message: 'password in a URL',
      line: 7,
    }),
  ];
  const log = buildMergedSarif({
    tools: [
      {
        key: 'gitleaks',
        info: { name: 'gitleaks', version: '8.30.1' },
        rules: [{ id: 'github-pat', description: 'A GitHub PAT' }],
        status: 'ran',
      },
      {
        key: 'semgrep',
        info: { name: 'Semgrep', version: '1.185.0', informationUri: 'https://semgrep.dev' },
        rules: [],
        status: 'ran',
      },
      { key: 'eslint', info: { name: 'ESLint' }, rules: [], status: 'skipped', reason: 'no config' },
    ],
    results: mergeAnalyses([analysis('secrets', rs, [])]),
    version: '0.1.0',
    root: 'file:///srv/vault/',
    runId: 'audit-1',
    notes: ['a note'],
  });
  expect(sarifSchemaErrors(log)).toEqual([]);
  const run = log.runs[0];
  expect(run.automationDetails.id).toBe('claude-flow/security-audit/audit-1');
  expect(run.tool.extensions.map((e) => e.name)).toEqual(['gitleaks', 'Semgrep', 'ESLint', 'claude-flow']);
  for (const r of run.results)
    expect(run.tool.extensions[r.rule.toolComponent.index].rules[r.rule.index].id).toBe(r.ruleId);
  const byPath = Object.fromEntries(
    run.results.map((r) => [`${r.locations[0].physicalLocation.artifactLocation.uri}:${r.ruleId}`, r]),
  );
  expect(byPath['test/keys.js:github-pat']).toMatchObject({
    level: 'note',
    properties: { classification: 'test', originalSeverity: 'critical', severity: 'low' },
  });
  expect(byPath['src/legacy.js:github-pat'].suppressions).toEqual([
    { kind: 'external', status: 'accepted', justification: 'sandbox (accepted by alice)' },
  ]);
  // The rule's security-severity is the tool's own, not the lowered one of a test finding.
  expect(run.tool.extensions[0].rules[0].properties['security-severity']).toBe('9.5');
  expect(run.invocations[0].toolExecutionNotifications.map((n) => n.message.text)).toEqual([
    'ESLint skipped: no config',
    'a note',
  ]);
  // And a broken log is not: the validator really checks.
  expect(sarifSchemaErrors({ ...log, version: '2.0.0' })).not.toEqual([]);
  expect(
    sarifSchemaErrors({ ...log, runs: [{ ...run, results: [{ ...run.results[0], level: 'fatal' }] }] }),
  ).not.toEqual([]);
});

test('code scanning takes the log gzipped and base64-encoded; the git host goes with GITHUB_API_URL', () => {
  const text = '{"version":"2.1.0","runs":[]}';
  expect(gunzipSync(Buffer.from(encodeSarif(text), 'base64')).toString('utf8')).toBe(text);
  expect(gitBaseUrl('https://api.github.com')).toBe('https://github.com');
  expect(gitBaseUrl('https://ghe.example.com/api/v3')).toBe('https://ghe.example.com');
  expect(gitBaseUrl('http://127.0.0.1:4567/api/v3')).toBe('http://127.0.0.1:4567');
});
