// The contract's workflow inputs (workflows/contract/inputs/): each type's schema is the one place
// its defaults and checks are written; workflows parse their input with it, so a parse must fail
// as a typed failure and parsing an already parsed input must change nothing (the API parses
// before a start, the workflow parses again).
import { ApplicationFailure } from '@temporalio/common';
import { loadConfig } from '../../lib/config';
import { aiSchema } from '../../lib/custom-workflows/schema';
import { staysInside } from '../../workflows/contract/inputs/fields';
import { WORKFLOW_INPUTS } from '../../workflows/contract/inputs';
import { parseInput } from '../../workflows/contract/inputs/parse';
import { ROUTE_ENTRY_RULE, routeEntry } from '../../workflows/contract/routes';

const CASES = [{ id: 'q1', prompt: 'Capital of France?', expected: 'paris', scorer: 'contains' }];

/** One valid input per type, as a caller writes it (defaults left out). */
const SAMPLES: { [T in keyof typeof WORKFLOW_INPUTS]: unknown } = {
  systemCheck: {},
  aiTask: { messages: [{ role: 'user', content: 'hi' }] },
  codeReview: { repo: 'acme/shop', pullRequest: 12 },
  securityAudit: { path: '/repo', createIssue: { repo: 'acme/shop' } },
  perfMonitor: { endpoints: [{ name: 'api', url: 'http://127.0.0.1:1/items' }] },
  promptEval: { cases: CASES, configurations: [{ route: ['anthropic:claude-haiku-4-5'] }] },
  modelUpdate: { task: 'summarize', candidate: 'openai:gpt-4o-mini', cases: CASES },
  custom: { name: 'release' },
  testRun: { path: '/repo', command: 'npm test' },
  deployPrep: { path: '/repo', test: { command: 'npm test' }, release: { github: { repo: 'acme/shop' } } },
};

test.each(Object.keys(SAMPLES) as (keyof typeof SAMPLES)[])(
  '%s: parsing a parsed input gives it back unchanged',
  (type) => {
    const once = WORKFLOW_INPUTS[type].parse(SAMPLES[type]);
    expect(WORKFLOW_INPUTS[type].parse(once)).toEqual(once);
  },
);

test('defaults are the schema’s, also those of an absent nested object', () => {
  expect(WORKFLOW_INPUTS.deployPrep.parse({ path: '/repo' })).toMatchObject({
    buildTimeoutMs: 900_000,
    tagPrefix: 'v',
    aiNotes: true,
    dryRun: false,
    approval: { timeoutMs: 86_400_000, defaultOutcome: 'reject' },
  });
  expect(WORKFLOW_INPUTS.modelUpdate.parse(SAMPLES.modelUpdate)).toMatchObject({
    approval: { timeoutMs: 7 * 24 * 3600 * 1000, defaultOutcome: 'reject' },
  });
  expect(WORKFLOW_INPUTS.deployPrep.parse(SAMPLES.deployPrep)).toMatchObject({
    test: { format: 'auto', timeoutMs: 600_000, rerunFailures: true, triage: true },
    release: { github: { repo: 'acme/shop', draft: false } },
  });
});

test('a bad input is a non-retryable InvalidRequest naming every problem', () => {
  let err: unknown;
  try {
    parseInput('testRun', WORKFLOW_INPUTS.testRun, { path: 'repo', command: ' ' });
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(ApplicationFailure);
  expect(err).toMatchObject({
    type: 'InvalidRequest',
    nonRetryable: true,
    message:
      'Invalid testRun input: path: path must be absolute, e.g. /home/me/project; command: command is empty; give a command line, e.g. "node --test --test-reporter=tap"',
    details: [
      {
        errors: [
          { path: 'path', message: 'path must be absolute, e.g. /home/me/project' },
          { path: 'command', message: expect.stringContaining('command is empty') },
        ],
      },
    ],
  });
  // No input at all reads as {}: the message names what is missing.
  expect(() => parseInput('custom', WORKFLOW_INPUTS.custom, undefined)).toThrow(
    /^Invalid custom input: name: name is required/,
  );
});

test('one route entry schema: workflow inputs, custom workflow steps and the ai.routes setting', () => {
  expect(routeEntry.safeParse('anthropic').success).toBe(true);
  expect(routeEntry.safeParse('openai:gpt-5-mini').success).toBe(true);
  const refused = (r: { success: boolean; error?: { issues: { message: string }[] } }) =>
    r.success ? [] : r.error?.issues.map((i) => i.message);
  expect(refused(routeEntry.safeParse('gemini:pro'))).toEqual([ROUTE_ENTRY_RULE]);
  expect(ROUTE_ENTRY_RULE).toContain('anthropic, openai or auggie');
  expect(refused(WORKFLOW_INPUTS.codeReview.safeParse({ path: '/x', route: ['anthropic:', 'gemini'] }))).toEqual([
    ROUTE_ENTRY_RULE,
    ROUTE_ENTRY_RULE,
  ]);
  expect(refused(WORKFLOW_INPUTS.aiTask.safeParse({ ...(SAMPLES.aiTask as object), route: ['x'] }))).toEqual([
    ROUTE_ENTRY_RULE,
  ]);
  expect(refused(aiSchema.safeParse({ prompt: 'p', route: ['x'] }))).toEqual([ROUTE_ENTRY_RULE]);
  expect(() =>
    loadConfig({ env: { CLAUDE_FLOW_AI_ROUTES: '{"chat":["gemini"]}' }, projectRoot: '/nonexistent-cf-root' }),
  ).toThrow(/CLAUDE_FLOW_AI_ROUTES/);
});

test.each([
  ['reports/junit.xml', true],
  ['./a/../b.xml', true],
  ['..foo/x.xml', true],
  ['a/../../b.xml', false],
  ['../out.xml', false],
  ['/etc/passwd', false],
])('a relative path %s stays inside its directory: %s', (p, inside) => {
  expect(staysInside(p)).toBe(inside);
});
