// testRun on the real dev server with the real worker: node --test (TAP and JUnit) and real Jest runs
// in repositories written by the tests, with a failing and a flaky test (a counter file makes it fail
// only the first time); the process tree killed on timeout and on cancellation; no AI configured, so
// triage reports why it was skipped.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ActivityFailure, WorkflowFailedError } from '@temporalio/client';
import { testRunInput, type TestRunInput } from '../../workflows/contract/inputs/test-run';
import { testRun } from '../../workflows';
import { progressQuery } from '../../workflows/dev/common';
import { startTestApp, type TestApp } from '../helpers/stack';

jest.setTimeout(60_000);

let app: TestApp;
let n = 0;
const dirs: string[] = [];

beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => {
  await app?.close();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function repo(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cf-testrun-'));
  dirs.push(dir);
  for (const [name, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), content);
  }
  return dir;
}

/** Fails the first time it runs in a repository, passes after (a counter file in the repository). */
const FLAKY_BODY = `const f = require('node:path').join(__dirname, '.flaky-count');
  const runs = require('node:fs').existsSync(f) ? Number(require('node:fs').readFileSync(f, 'utf8')) : 0;
  require('node:fs').writeFileSync(f, String(runs + 1));
  if (runs === 0) throw new Error('flaky: fails on the first run only');`;

const NODE_TESTS = `const test = require('node:test');
const assert = require('node:assert');
test('adds', () => assert.equal(1 + 1, 2));
test('divides', () => assert.equal(6 / 3, 3, 'six by three'));
test('flaky', () => {
  ${FLAKY_BODY}
});
test.skip('not yet', () => {});
`;

const start = (input: TestRunInput) =>
  app.client.workflow.start(testRun, {
    taskQueue: app.config.temporal.taskQueue,
    workflowId: `testrun-${++n}-${Date.now()}`,
    args: [input],
  });

/** Whether a process is alive (a zombie nobody reaps yet counts as gone). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

async function waitFor(file: string, timeoutMs = 15_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim() : '';
    if (text) return text;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${file} never appeared`);
}

test('TAP from node --test: a failing test fails, a flaky one passes on a rerun narrowed by name', async () => {
  const dir = repo({ 'math.test.js': NODE_TESTS });
  const h = await start({ path: dir, command: 'node --test --test-reporter=tap' });
  const r = await h.result();
  expect(r).toMatchObject({
    ok: false,
    passed: 1,
    failed: 1,
    skipped: 1,
    flaky: ['math.test.js > flaky'],
    format: 'tap',
    exitCode: 1,
    timedOut: false,
    rerun: { filter: 'name-filter', tests: 2, passedOnRerun: 1 },
  });
  expect(r.failures).toEqual([
    { name: 'math.test.js > divides', message: expect.stringContaining('six by three'), file: 'math.test.js' },
  ]);
  // Ran twice in all: once in the run, once in the rerun.
  expect(fs.readFileSync(path.join(dir, '.flaky-count'), 'utf8')).toBe('2');
  expect(r.triage).toEqual({ skipped: true, reason: expect.stringMatching(/provider|configured/i) });
  const p = await h.query(progressQuery);
  expect(p.steps.map((s) => [s.name, s.status])).toEqual([
    ['run', 'done'],
    ['rerun', 'done'],
    ['triage', 'skipped'],
  ]);
  expect(p.steps[1].detail).toBe('1 of 2 passed on rerun');
});

test('JUnit report file, the whole command rerun when the runner has no name filter', async () => {
  const dir = repo({
    'test/math.test.js': NODE_TESTS,
    'run-tests.sh': 'node --test --test-reporter=junit --test-reporter-destination=reports/junit.xml test/\n',
  });
  fs.mkdirSync(path.join(dir, 'reports'));
  // A stale report from an earlier run must not be read.
  fs.writeFileSync(path.join(dir, 'reports/junit.xml'), '<testsuites><testcase name="stale"/></testsuites>');
  const r = await (
    await start({
      path: dir,
      command: 'sh run-tests.sh',
      format: 'junit',
      reportFile: 'reports/junit.xml',
      triage: false,
    })
  ).result();
  expect(r).toMatchObject({
    ok: false,
    passed: 1,
    failed: 1,
    skipped: 1,
    flaky: ['flaky'],
    format: 'junit',
    rerun: { filter: 'whole-command', tests: 2, passedOnRerun: 1 },
  });
  expect(r.failures.map((f) => f.name)).toEqual(['divides']);
  expect(r.triage).toBeUndefined();

  // Without reruns the flaky test is a failure; a missing report is said plainly.
  const again = repo({ 'test/math.test.js': NODE_TESTS, 'run-tests.sh': 'node --test test/ > /dev/null\n' });
  const r2 = await (
    await start({
      path: again,
      command: 'sh run-tests.sh',
      reportFile: 'reports/junit.xml',
      rerunFailures: false,
      triage: false,
    })
  ).result();
  expect(r2.ok).toBe(false);
  expect(r2.reportError).toMatch(/wrote no report at reports\/junit.xml/);
  expect(r2.failures).toEqual([{ name: '(test command)', message: expect.stringMatching(/^exited with code 1; /) }]);
});

test('Jest JSON: a real jest run, the flaky test rerun with --testNamePattern', async () => {
  const jestBin = require.resolve('jest/bin/jest');
  const dir = repo({
    'math.test.js': `describe('math', () => {
  test('adds', () => expect(1 + 1).toBe(2));
  test('breaks', () => expect(1 + 1).toBe(3));
  test('flaky', () => {
    ${FLAKY_BODY}
  });
});
`,
  });
  const command = `node ${jestBin} --rootDir . --config '{"testEnvironment":"node"}' --ci --json --outputFile=jest.json`;
  const r = await (await start({ path: dir, command, reportFile: 'jest.json', triage: false })).result();
  expect(r).toMatchObject({
    ok: false,
    passed: 1,
    failed: 1,
    flaky: ['math.test.js > math > flaky'],
    format: 'jest',
    rerun: { filter: 'name-filter', tests: 2, passedOnRerun: 1 },
  });
  expect(r.failures[0]).toMatchObject({
    name: 'math.test.js > math > breaks',
    file: 'math.test.js',
    message: expect.stringContaining('Expected: 3'),
  });
});

const SPAWNS_GRANDCHILD = `sh -c 'sleep 300 & echo $! > grandchild.pid; wait'`;

test('a timeout kills the whole process tree and is reported as a failure', async () => {
  const dir = repo({});
  const started = Date.now();
  const r = await (await start({ path: dir, command: SPAWNS_GRANDCHILD, timeoutMs: 1_500, triage: false })).result();
  expect(Date.now() - started).toBeLessThan(15_000);
  expect(r).toMatchObject({ ok: false, timedOut: true, exitCode: null, failed: 1 });
  expect(r.failures[0].message).toMatch(/timed out after 1500 ms/);
  const pid = Number(fs.readFileSync(path.join(dir, 'grandchild.pid'), 'utf8'));
  expect(pid).toBeGreaterThan(0);
  expect(alive(pid)).toBe(false);
});

test('cancelling the workflow kills the whole process tree before the workflow ends', async () => {
  const dir = repo({});
  const h = await start({ path: dir, command: SPAWNS_GRANDCHILD, timeoutMs: 120_000 });
  const pid = Number(await waitFor(path.join(dir, 'grandchild.pid')));
  expect(alive(pid)).toBe(true);
  await h.cancel();
  const err = await h.result().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkflowFailedError);
  expect((err as WorkflowFailedError).cause?.name).toBe('CancelledFailure');
  expect(alive(pid)).toBe(false);
});

test('bad input: the catalog schema says what to fix; the workflow refuses a missing directory', async () => {
  const bad = testRunInput.safeParse({ path: 'relative/dir', command: '  ', reportFile: '../out.xml', timeoutMs: 5 });
  expect(bad.success).toBe(false);
  const messages = bad.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`) ?? [];
  expect(messages).toEqual(
    expect.arrayContaining([
      'path: path must be absolute, e.g. /home/me/project',
      expect.stringMatching(/^command: command is empty/),
      expect.stringMatching(/^reportFile: reportFile must be a path relative to the repository/),
      'timeoutMs: timeoutMs must be at least 1000 (1 second)',
    ]),
  );
  const good = testRunInput.parse({ path: '/repo', command: 'npm test' });
  expect(good).toEqual({
    path: '/repo',
    command: 'npm test',
    format: 'auto',
    timeoutMs: 600_000,
    rerunFailures: true,
    triage: true,
  });

  const err = await (await start({ path: '/nonexistent/repo', command: 'npm test' })).result().then(
    () => undefined,
    (e: unknown) => e as WorkflowFailedError,
  );
  expect(err).toBeInstanceOf(WorkflowFailedError);
  // Workflow failed ← activity failed ← the activity's own error, which names the problem.
  const cause = err?.cause as ActivityFailure | undefined;
  expect(cause).toBeInstanceOf(ActivityFailure);
  expect(cause?.cause).toMatchObject({
    type: 'InvalidInput',
    nonRetryable: true,
    message: 'path /nonexistent/repo is not an existing directory',
  });
});
