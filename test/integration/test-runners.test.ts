// testRun with the real runners on the fixture projects of test/fixtures/test-run (copied to temp
// directories): node --test (TAP and JUnit), Jest (JSON and jest-junit), pytest (JUnit), go test
// -json, gotestsum (JUnit), prove -v (TAP) and Maven Surefire (a directory of JUnit files). Each
// project has a test named `same` in two files, one flaky and one really failing: the run is
// ok: false with exactly the failing one failed, and the counts equal the runner's own summary.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { testRun } from '../../workflows';
import type { TestRunInput } from '../../workflows/contract/inputs/test-run';
import type { TestRunResult } from '../../activities/dev/test-run/types';
import { startTestApp, type TestApp } from '../helpers/stack';
import { fixtureCopy, gotestsum, MAVEN_REPO, runs } from '../helpers/tools';

jest.setTimeout(300_000);

let app: TestApp;
let n = 0;
const dirs: string[] = [];
const jestBin = require.resolve('jest/bin/jest');
const jestJunit = require.resolve('jest-junit');

beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => {
  await app?.close();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

async function start(input: TestRunInput): Promise<TestRunResult> {
  const handle = await app.client.workflow.start(testRun, {
    taskQueue: app.config.temporal.taskQueue,
    workflowId: `runners-${++n}-${Date.now()}`,
    args: [{ triage: false, ...input }],
  });
  return handle.result();
}

interface Counts {
  passed: number;
  failed: number;
  skipped: number;
}

/** The first run's counts, as the workflow saw them: flaky tests failed in it. */
const firstRun = (r: TestRunResult): Counts => ({
  passed: r.passed,
  failed: r.failed + r.flaky.length,
  skipped: r.skipped,
});

const num = (re: RegExp, text: string): number => {
  const m = re.exec(text);
  if (!m) throw new Error(`the runner's summary has no ${re} in:\n${text.slice(-2_000)}`);
  return Number(m[1]);
};

/** The same multiplication fails in every fixture, with a two-line message full of XML specials. */
const MESSAGE = /line one\n\s*line <two> & "three"/;

function expectExact(r: TestRunResult, flaky: string, failing: string[]) {
  expect(r.ok).toBe(false);
  expect(r.flaky).toEqual([flaky]);
  expect(r.failures.map((f) => f.name).sort()).toEqual([...failing].sort());
  expect(r.rerun?.passedOnRerun).toBe(1);
}

test('node --test TAP: same-named tests in two files, one flaky, one failing', async () => {
  const dir = fixtureCopy('node', dirs);
  const r = await start({ path: dir, command: 'node --test --test-reporter=tap' });
  expect(r.format).toBe('tap');
  expectExact(r, 'a.test.js > same', ['b.test.js > same', 'a.test.js > math > multiplies']);
  expect(r.rerun?.filter).toBe('name-filter');
  expect(r.failures.find((f) => f.name === 'b.test.js > same')).toMatchObject({
    file: 'b.test.js',
    message: expect.stringMatching(/^really fails\nexpected: 2, actual: 3/),
  });
  expect(r.failures.find((f) => f.name.endsWith('multiplies'))?.message).toMatch(MESSAGE);
  // Node's own summary: "# pass 1", "# fail 3", "# skipped 1" (todo counts as skipped here).
  const out = r.outputTail;
  expect(firstRun(r)).toEqual({
    passed: num(/^# pass (\d+)/m, out),
    failed: num(/^# fail (\d+)/m, out),
    skipped: num(/^# skipped (\d+)/m, out) + num(/^# todo (\d+)/m, out),
  });
});

test('node --test JUnit: no file is named, so same-named tests are failures the rerun cannot clear', async () => {
  const dir = fixtureCopy('node', dirs);
  const r = await start({
    path: dir,
    // The spec reporter on stdout gives Node's own summary of the first run.
    command:
      'node --test --test-reporter=junit --test-reporter-destination=junit.xml --test-reporter=spec --test-reporter-destination=stdout',
    reportFile: 'junit.xml',
  });
  expect(r).toMatchObject({ ok: false, format: 'junit', flaky: [] });
  const same = r.failures.filter((f) => f.name === 'same');
  expect(same).toHaveLength(2);
  for (const f of same) expect(f.rerun).toMatch(/2 tests are named "same" in the report/);
  expect(r.failures.find((f) => f.name === 'math > multiplies')?.message).toMatch(MESSAGE);
  const out = r.outputTail;
  expect(firstRun(r)).toEqual({
    passed: num(/pass (\d+)/, out),
    failed: num(/fail (\d+)/, out),
    skipped: num(/skipped (\d+)/, out) + num(/todo (\d+)/, out),
  });
});

test('Jest JSON and jest-junit: the files tell the two "math same" tests apart', async () => {
  const json = await start({
    path: fixtureCopy('jest', dirs),
    command: `node ${jestBin} --rootDir . --config '{"testEnvironment":"node"}' --ci --json --outputFile=jest.json`,
    reportFile: 'jest.json',
  });
  expect(json.format).toBe('jest');
  expectExact(json, 'a.test.js > math > same', ['b.test.js > math > same', 'a.test.js > math > multiplies 1 by 1']);
  expect(json.rerun?.filter).toBe('name-filter');
  expect(json.failures.find((f) => f.name.endsWith('multiplies 1 by 1'))?.message).toMatch(MESSAGE);

  const config = JSON.stringify({ testEnvironment: 'node', reporters: ['default', jestJunit] });
  const junit = await start({
    path: fixtureCopy('jest', dirs),
    command: `node ${jestBin} --rootDir . --config '${config}' --ci`,
    reportFile: 'junit.xml',
  });
  expect(junit.format).toBe('junit');
  expectExact(junit, 'a.test.js > math same', ['b.test.js > math same', 'a.test.js > math multiplies 1 by 1']);
  expect(junit.rerun?.filter).toBe('name-filter');
  expect(junit.failures.find((f) => f.name.endsWith('multiplies 1 by 1'))?.message).toMatch(MESSAGE);
  // Jest's own summary: "Tests: 3 failed, 1 skipped, 2 passed, 6 total".
  for (const r of [json, junit]) {
    const line = /^Tests:.*$/m.exec(r.outputTail)?.[0] ?? '';
    expect(firstRun(r)).toEqual({
      passed: num(/(\d+) passed/, line),
      failed: num(/(\d+) failed/, line),
      skipped: num(/(\d+) skipped/, line),
    });
  }
});

const pytest = runs('python3', ['-m', 'pytest', '--version']);
(pytest ? test : test.skip)(
  `pytest JUnit: node ids with module, class and parameters${pytest ? '' : ' (skipped: python3 -m pytest does not run here)'}`,
  async () => {
    const r = await start({
      path: fixtureCopy('pytest', dirs),
      command: 'python3 -m pytest -p no:cacheprovider --junitxml=reports/junit.xml',
      reportFile: 'reports/junit.xml',
    });
    expect(r.format).toBe('junit');
    expectExact(r, 'tests/test_a.py::test_same', [
      'tests/test_b.py::test_same',
      'tests/test_a.py::TestMul::test_multiplies[1-1-2]',
    ]);
    // The message attribute's character references (&#10;) decoded, then pytest's traceback.
    const mul = r.failures.find((f) => f.name.endsWith('[1-1-2]'));
    expect(mul).toMatchObject({ file: 'tests/test_a.py' });
    expect(mul?.message).toMatch(/^AssertionError: line one\n {2}line <two> & "three"\nassert \(1 \* 1\) == 2\n/);
    // pytest's own summary: "3 failed, 3 passed, 1 skipped in 0.05s".
    const out = r.outputTail;
    expect(firstRun(r)).toEqual({
      passed: num(/(\d+) passed/, out),
      failed: num(/(\d+) failed/, out),
      skipped: num(/(\d+) skipped/, out),
    });
  },
);

const go = runs('go', ['version']);
(go ? test : test.skip)(
  `go test -json: package and test name (subtests too)${go ? '' : ' (skipped: go is not installed)'}`,
  async () => {
    const r = await start({ path: fixtureCopy('go', dirs), command: 'go test -json -count=1 ./...' });
    expect(r.format).toBe('go-json');
    expectExact(r, 'example.com/fixture/calc > TestSame', [
      'example.com/fixture/other > TestSame',
      'example.com/fixture/calc > TestMultiplies',
      'example.com/fixture/calc > TestMultiplies/1x1',
    ]);
    const sub = r.failures.find((f) => f.name.endsWith('TestMultiplies/1x1'));
    expect(sub?.message).toBe('calc_test.go:32: line one\n    line <two> & "three"');
    // go test's own verdicts: one "--- PASS/FAIL/SKIP" line per test in a fresh copy, run verbosely.
    const plain = spawnSync('go', ['test', '-v', '-count=1', './...'], {
      cwd: fixtureCopy('go', dirs),
      encoding: 'utf8',
    });
    const lines = (word: string) => plain.stdout.split('\n').filter((l) => l.trim().startsWith(`--- ${word}: `)).length;
    expect(firstRun(r)).toEqual({ passed: lines('PASS'), failed: lines('FAIL'), skipped: lines('SKIP') });
  },
);

const gotestsumBin = go ? gotestsum() : { missing: 'go is not installed' };
('path' in gotestsumBin ? test : test.skip)(
  `gotestsum JUnit: &#xA; in messages decoded${'missing' in gotestsumBin ? ` (skipped: ${gotestsumBin.missing})` : ''}`,
  async () => {
    const bin = 'path' in gotestsumBin ? gotestsumBin.path : '';
    const r = await start({
      path: fixtureCopy('go', dirs),
      command: `${bin} --format testname --junitfile junit.xml -- -count=1 ./...`,
      reportFile: 'junit.xml',
    });
    expect(r.format).toBe('junit');
    expectExact(r, 'example.com/fixture/calc > TestSame', [
      'example.com/fixture/other > TestSame',
      'example.com/fixture/calc > TestMultiplies',
      'example.com/fixture/calc > TestMultiplies/1x1',
    ]);
    const sub = r.failures.find((f) => f.name.endsWith('TestMultiplies/1x1'));
    expect(sub?.message).toContain('calc_test.go:32: line one\n        line <two> & "three"\n');
    expect(sub?.message).not.toMatch(/&#|&lt;|&amp;/);
    // gotestsum's own summary: "DONE 7 tests, 1 skipped, 4 failures in 0.3s".
    const done = /^DONE .*$/m.exec(r.outputTail)?.[0] ?? '';
    const skipped = num(/(\d+) skipped/, done);
    const failed = num(/(\d+) failures?/, done);
    expect(firstRun(r)).toEqual({ passed: num(/DONE (\d+) tests?/, done) - skipped - failed, failed, skipped });
  },
);

const prove = runs('prove', ['--version']);
(prove ? test : test.skip)(
  `prove -v: each file's test points under its name${prove ? '' : ' (skipped: prove is not installed)'}`,
  async () => {
    const r = await start({ path: fixtureCopy('prove', dirs), command: 'prove -v -m t/' });
    expect(r.format).toBe('tap');
    expectExact(r, 't/a.t > same', ['t/b.t > same', 't/a.t > multiplies <two> & "three"']);
    expect(r.failures.find((f) => f.name === 't/b.t > same')?.message).toBe("Failed test 'same'\n  at t/b.t line 5.");
    // prove's own summary: "Files=2, Tests=5" and "Failed 1/4 subtests" per file.
    const out = r.outputTail;
    const failed = [...out.matchAll(/^Failed (\d+)\/\d+ subtests/gm)].reduce((s, m) => s + Number(m[1]), 0);
    const skipped = [...out.matchAll(/^ok \d+ # skip/gm)].length;
    expect(firstRun(r)).toEqual({ passed: num(/Tests=(\d+)/, out) - failed - skipped, failed, skipped });
  },
);

const mvn = runs('mvn', ['--version']);
(mvn ? test : test.skip)(
  `Maven Surefire: a directory of reports, one per class${mvn ? '' : ' (skipped: mvn is not installed)'}`,
  async () => {
    const r = await start({
      path: fixtureCopy('maven', dirs),
      command: `mvn -B --no-transfer-progress -Dmaven.repo.local=${MAVEN_REPO} test`,
      reportFile: 'target/surefire-reports',
      timeoutMs: 240_000,
    });
    expect(r.format).toBe('junit');
    expectExact(r, 'com.acme.a.CalcTest > same', [
      'com.acme.b.CalcTest > same',
      'com.acme.a.CalcTest > multiplies(int, int, int)[2]',
    ]);
    expect(r.failures.find((f) => f.name.endsWith('[2]'))?.message).toMatch(MESSAGE);
    // Surefire's own summary: "Tests run: 5, Failures: 3, Errors: 0, Skipped: 1".
    const all = [
      ...r.outputTail.matchAll(/^\[\w+\] Tests run: (\d+), Failures: (\d+), Errors: (\d+), Skipped: (\d+)$/gm),
    ];
    const [, total, failures, errors, skipped] = all[all.length - 1].map(Number);
    expect(firstRun(r)).toEqual({
      passed: total - failures - errors - skipped,
      failed: failures + errors,
      skipped,
    });
  },
);
