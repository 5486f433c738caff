// Scoring of promptEval (exact, contains, regex, judge verdicts), the per-configuration report and
// modelUpdate's proposal rule.
import { bestConfiguration, configurationReport, scoreItem } from '../../activities/dev/prompt-eval/report';
import { parseVerdict, scoreAnswer } from '../../activities/dev/prompt-eval/score';
import type { CaseResult, ConfigurationReport } from '../../activities/dev/prompt-eval/types';
import { proposalVerdict } from '../../workflows/dev/model-update';
import { judgePrompt } from '../../workflows/dev/prompt-eval';

test('exact trims, contains ignores case, regex takes /pattern/flags or a bare pattern', () => {
  expect(scoreAnswer({ scorer: 'exact', expected: '4' }, ' 4\n')).toEqual({
    pass: true,
    score: 1,
    reason: 'exact match',
  });
  expect(scoreAnswer({ scorer: 'exact', expected: 'Paris' }, 'paris').pass).toBe(false);
  expect(scoreAnswer({ scorer: 'contains', expected: 'PARIS' }, 'It is Paris.').pass).toBe(true);
  expect(scoreAnswer({ scorer: 'contains', expected: 'Lyon' }, 'It is Paris.')).toMatchObject({
    pass: false,
    score: 0,
    reason: 'does not contain "Lyon"',
  });
  expect(scoreAnswer({ scorer: 'regex', expected: '/^paris$/i' }, 'PARIS').pass).toBe(true);
  expect(scoreAnswer({ scorer: 'regex', expected: '\\d{3}' }, 'code 404').pass).toBe(true);
  expect(scoreAnswer({ scorer: 'regex', expected: '^\\d+$' }, 'abc').pass).toBe(false);
  expect(scoreAnswer({ scorer: 'regex', expected: '/(/' }, 'x').reason).toMatch(/^invalid regular expression/);
});

test('a catastrophic regex is stopped and scored as a fail with advice', () => {
  const t0 = Date.now();
  const r = scoreAnswer({ scorer: 'regex', expected: '^(a+)+$' }, `${'a'.repeat(40)}b`);
  expect(r.pass).toBe(false);
  expect(r.reason).toContain('ran longer than 500 ms; simplify the pattern');
  expect(Date.now() - t0).toBeLessThan(5_000);
});

test('judge verdicts are read defensively', () => {
  expect(parseVerdict('{"pass": true, "score": 0.8, "reason": "good"}')).toEqual({
    pass: true,
    score: 0.8,
    reason: 'good',
  });
  expect(
    parseVerdict('Sure! ```json\n{"pass": "FAIL", "score": "0.3", "reason": "missing {braces} part"}\n```'),
  ).toEqual({
    pass: false,
    score: 0.3,
    reason: 'missing {braces} part',
  });
  expect(parseVerdict('{"score": 8}')).toMatchObject({ pass: true, score: 0.8, reason: 'judge gave no reason' });
  expect(parseVerdict('{"score": 45}')).toMatchObject({ pass: false, score: 0.45 });
  expect(parseVerdict('{"pass": false}')).toMatchObject({ pass: false, score: 0 });
  expect(parseVerdict('{"score": -3, "pass": true}')).toMatchObject({ pass: true, score: 0 });
  expect(parseVerdict('{not json} then {"pass": true}')).toMatchObject({ pass: true, score: 1 });
  expect(parseVerdict('I think it passes.')).toEqual({
    pass: null,
    score: null,
    reason: 'judge reply is not a JSON verdict: "I think it passes."',
  });
  expect(parseVerdict('{"verdict_text": "ok"}').pass).toBeNull();
});

test('judge prompts carry the question, criteria, reference and answer', () => {
  const p = judgePrompt({ prompt: 'Q?', criteria: 'C', expected: 'R' }, 'A');
  expect(p).toContain('## Question\nQ?');
  expect(p).toContain('## Criteria a good answer meets\nC');
  expect(p).toContain('## Reference answer\nR');
  expect(p).toContain('## Answer to grade\nA');
});

test('scoring items: errors score 0, skipped and unjudged cases are unscored', () => {
  const ok = {
    outcome: 'ok' as const,
    text: 'x',
    latencyMs: 1,
    costUsd: 0,
    usage: { inputTokens: 1, outputTokens: 1, cacheReadTokens: 0, cacheWriteTokens: 0 },
    provider: 'openai',
    model: 'm',
  };
  expect(scoreItem({ scorer: 'exact', expected: 'x', answer: { outcome: 'error', error: 'boom' } })).toEqual({
    pass: false,
    score: 0,
    reason: 'no answer: boom',
  });
  expect(
    scoreItem({ scorer: 'exact', expected: 'x', answer: { outcome: 'skipped', reason: 'none' } }).score,
  ).toBeNull();
  expect(scoreItem({ scorer: 'judge', answer: ok, judge: { outcome: 'skipped', reason: 'no judge' } })).toMatchObject({
    score: null,
    reason: 'judge skipped: no judge',
  });
  expect(scoreItem({ scorer: 'judge', answer: ok, judge: { ...ok, text: '{"pass":true,"score":1}' } }).pass).toBe(true);
});

function cr(configuration: number, score: number | null, latencyMs: number, costUsd: number | null): CaseResult {
  return {
    caseId: `c${latencyMs}`,
    configuration,
    outcome: 'ok',
    pass: score === null ? null : score >= 1,
    score,
    reason: '',
    latencyMs,
    costUsd,
    tokens: { input: 10, output: 5 },
    model: 'openai:m',
  };
}

test('configuration reports and the best configuration', () => {
  const results = [cr(0, 1, 10, 0.001), cr(0, 0, 20, 0.001), cr(0, null, 30, null), cr(1, 1, 5, 0.002)];
  const a = configurationReport(0, { label: 'a', route: ['openai:m'] }, results);
  expect(a).toMatchObject({
    cases: 3,
    answered: 3,
    scored: 2,
    passed: 1,
    passRate: 0.5,
    meanScore: 0.5,
    latencyMs: { p50: 20, p95: 30 },
    tokens: { input: 30, output: 15, total: 45 },
    costUsd: 0.002,
    costPerCaseUsd: 0.000667,
    unpricedCalls: 1,
  });
  const b = configurationReport(1, { label: 'b', route: ['openai:n'] }, results);
  expect(bestConfiguration([a, b])).toBe(1);
});

const rep = (
  meanScore: number | null,
  costPerCaseUsd: number | null,
  p50: number,
  outcome: 'ok' | 'skipped' = 'ok',
): ConfigurationReport => ({
  index: 0,
  label: 'x',
  route: ['openai:x'],
  outcome,
  reason: outcome === 'skipped' ? 'No AI provider' : undefined,
  models: [],
  cases: 1,
  answered: 1,
  errors: 0,
  scored: meanScore === null ? 0 : 1,
  passed: 0,
  passRate: meanScore,
  meanScore,
  latencyMs: { p50, p95: p50 },
  tokens: { input: 0, output: 0, total: 0 },
  costUsd: costPerCaseUsd,
  costPerCaseUsd,
  unpricedCalls: 0,
});

test('the proposal rule: quality first, then cost, then latency', () => {
  expect(proposalVerdict(rep(0.5, 1, 10), rep(0.6, 9, 99))).toMatchObject({
    propose: true,
    reason: expect.stringMatching(/^higher quality/),
  });
  expect(proposalVerdict(rep(0.6, 9, 99), rep(0.5, 1, 10))).toMatchObject({
    propose: false,
    reason: expect.stringMatching(/^lower quality/),
  });
  expect(proposalVerdict(rep(0.5, 2, 10), rep(0.5, 1, 99)).reason).toMatch(/cheaper/);
  expect(proposalVerdict(rep(0.5, 1, 10), rep(0.5, 2, 1))).toMatchObject({
    propose: false,
    reason: expect.stringMatching(/dearer/),
  });
  expect(proposalVerdict(rep(0.5, null, 10), rep(0.5, 1, 10)).propose).toBe(true);
  expect(proposalVerdict(rep(0.5, null, 10), rep(0.5, 1, 11)).propose).toBe(false);
  expect(proposalVerdict(rep(null, null, 0, 'skipped'), rep(0.1, 1, 1)).propose).toBe(true);
  expect(proposalVerdict(rep(1, 1, 1), rep(null, null, 0, 'skipped'))).toMatchObject({
    propose: false,
    reason: 'the candidate could not run: No AI provider',
  });
});
