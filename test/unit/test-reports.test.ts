// The test report parsers: JUnit XML, TAP and Jest JSON. Node's own TAP and JUnit reporters are run
// for real on a small test file; other dialects (pytest, Surefire, Jest) are their documented shapes.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  detectFormat,
  parseJest,
  parseJunit,
  parseReport,
  parseTap,
  ReportError,
} from '../../activities/dev/test-run/parse';
import { filteredCommand, reportPath } from '../../activities/dev/test-run/runner';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cf-reports-'));
  fs.writeFileSync(
    path.join(dir, 'a.test.js'),
    `const test = require('node:test');
const assert = require('node:assert');
test('adds', () => assert.equal(1 + 1, 2));
test('fails # hard', () => assert.equal(1 + 1, 3));
test.skip('skipped', () => {});
test.todo('later');
test.describe('outer', () => {
  test.describe('mid', () => {
    test('deep', () => { throw new Error('boom'); });
  });
  test('sibling', () => {});
});
`,
  );
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function node(args: string[]): string {
  try {
    return execFileSync(process.execPath, args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    return (err as { stdout: string }).stdout; // the run fails: two tests fail
  }
}

const view = (cases: { name: string; status: string }[]) => cases.map((c) => `${c.status} ${c.name}`);

const EXPECTED = [
  'passed adds',
  'failed fails # hard',
  'skipped skipped',
  'skipped later',
  'failed outer > mid > deep',
  'passed outer > sibling',
].sort();

test("node --test's TAP: nested subtests named by their suites, suites not counted, SKIP and TODO skipped", () => {
  const out = node(['--test', '--test-reporter=tap']);
  expect(detectFormat(out)).toBe('tap');
  const r = parseTap(out);
  expect(view(r.cases).sort()).toEqual(EXPECTED);
  const fails = r.cases.find((c) => c.title === 'fails # hard');
  expect(fails?.message).toContain('2 == 3');
  expect(fails?.message).toContain('expected: 3, actual: 2');
  expect(fails?.file).toBe(path.join(dir, 'a.test.js'));
  expect(r.cases.find((c) => c.title === 'deep')?.message).toContain('boom');
});

test("node --test's JUnit XML: the same cases, with failure messages", () => {
  node(['--test', '--test-reporter=junit', '--test-reporter-destination=junit.xml']);
  const xml = fs.readFileSync(path.join(dir, 'junit.xml'), 'utf8');
  expect(detectFormat(xml)).toBe('junit');
  const r = parseJunit(xml);
  expect(view(r.cases).sort()).toEqual(EXPECTED);
  expect(r.cases.find((c) => c.title === 'deep')?.message).toContain('boom');
  expect(r.cases.every((c) => typeof c.durationMs === 'number')).toBe(true);
});

test('JUnit dialects: pytest (<testsuites><testsuite>), Surefire (<testsuite> root, <error>), CDATA and entities', () => {
  const pytest = `<?xml version="1.0" encoding="utf-8"?><testsuites name="pytest tests"><testsuite name="pytest" errors="0" failures="1" skipped="1" tests="3">
<testcase classname="tests.test_math" name="test_add" time="0.001" />
<testcase classname="tests.test_math" name="test_div" file="tests/test_math.py" time="0.002"><failure message="ZeroDivisionError: division by zero">def test_div():
&gt;       1 / 0</failure></testcase>
<testcase classname="tests.test_math" name="test_later" time="0"><skipped type="pytest.skip" message="not yet" /></testcase>
</testsuite></testsuites>`;
  const r = parseJunit(pytest);
  expect(view(r.cases)).toEqual([
    'passed pytest > test_add',
    'failed pytest > test_div',
    'skipped pytest > test_later',
  ]);
  expect(r.cases[1]).toMatchObject({ file: 'tests/test_math.py', durationMs: 2 });
  expect(r.cases[1].message).toContain('ZeroDivisionError: division by zero');
  expect(r.cases[1].message).toContain('>       1 / 0');

  const surefire = `<testsuite name="com.acme.AppTest" tests="2"><testcase name="works" classname="com.acme.AppTest" time="0.01"/>
<testcase name="explodes" classname="com.acme.AppTest"><error type="java.lang.NullPointerException"><![CDATA[java.lang.NullPointerException: <null>
  at com.acme.App.run(App.java:3)]]></error></testcase></testsuite>`;
  const s = parseJunit(surefire);
  expect(view(s.cases)).toEqual(['passed com.acme.AppTest > works', 'failed com.acme.AppTest > explodes']);
  expect(s.cases[1].message).toContain('NullPointerException: <null>');
});

test('Jest JSON: ancestors in names, pending as skipped, a file that could not run is a failure', () => {
  const report = {
    numTotalTests: 3,
    success: false,
    testResults: [
      {
        name: '/repo/x.test.js',
        status: 'failed',
        message: '',
        assertionResults: [
          {
            ancestorTitles: ['math'],
            title: 'adds',
            fullName: 'math adds',
            status: 'passed',
            duration: 3,
            failureMessages: [],
          },
          {
            ancestorTitles: ['math'],
            title: 'breaks',
            fullName: 'math breaks',
            status: 'failed',
            duration: 12,
            failureMessages: ['\u001b[31mError: expect(received).toBe(expected)\u001b[39m\n\nExpected: 3\nReceived: 2'],
          },
          { ancestorTitles: ['math'], title: 'later', fullName: 'math later', status: 'pending', failureMessages: [] },
        ],
      },
      {
        name: '/repo/broken.test.js',
        status: 'failed',
        message: "Cannot find module './nope' from 'broken.test.js'",
        assertionResults: [],
      },
    ],
  };
  const json = JSON.stringify(report);
  expect(detectFormat(json)).toBe('jest');
  const r = parseJest(json);
  expect(view(r.cases)).toEqual([
    'passed math > adds',
    'failed math > breaks',
    'skipped math > later',
    'failed /repo/broken.test.js (test file failed to run)',
  ]);
  expect(r.cases[1].message).toBe('Error: expect(received).toBe(expected)\n\nExpected: 3\nReceived: 2');
  expect(r.cases[3].message).toContain("Cannot find module './nope'");
});

test('bad input says what is wrong', () => {
  expect(() => parseJunit('<testsuites><testcase name="x"></testsuites')).toThrow(ReportError);
  expect(() => parseJunit('<html><body/></html>')).toThrow(/neither a <testsuites> nor a <testsuite>/);
  expect(() => parseJest('{"numTotalTests": 1}')).toThrow(/no "testResults" array; run jest with --json/);
  expect(() => parseJest('not json')).toThrow(/not JSON/);
  expect(() => parseTap('all good\n')).toThrow(/no TAP test lines/);
  expect(() => parseReport('PASSED 3 tests', 'auto')).toThrow(/could not tell the report format/);
});

test('plain TAP without a producer: Bail out!, TODO failures are not failures', () => {
  const r = parseTap(
    'TAP version 14\n1..4\nok 1 - first\nnot ok 2 - second # TODO not done\nnot ok 3 third\nBail out! database is down\n',
  );
  expect(view(r.cases)).toEqual(['passed first', 'skipped second', 'failed third', 'failed Bail out!']);
  expect(r.cases[3].message).toBe('database is down');
});

test('reruns narrow the command by name where the runner has a filter', () => {
  const t = (name: string) => ({ name, title: name.split(' > ').pop() as string });
  expect(filteredCommand('node --test --test-reporter=tap', [t('fails (a|b)'), t("suite > it's")])).toBe(
    `node --test --test-reporter=tap --test-name-pattern='^(fails \\(a\\|b\\)|it'\\''s)$'`,
  );
  expect(filteredCommand('npx jest --json --outputFile=r.json', [t('math > breaks')])).toBe(
    `npx jest --json --outputFile=r.json --testNamePattern='^(math breaks)$'`,
  );
  expect(filteredCommand('make test', [t('x')])).toBeUndefined();
  expect(filteredCommand('npm ci && npx jest', [t('x')])).toBeUndefined();
  expect(filteredCommand('node --test > out.tap', [t('x')])).toBeUndefined();
  expect(() => reportPath('/repo', '../elsewhere.xml')).toThrow(/inside it/);
  expect(reportPath('/repo', 'reports/junit.xml')).toBe('/repo/reports/junit.xml');
});
