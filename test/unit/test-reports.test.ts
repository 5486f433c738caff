// The test report parsers: JUnit XML, TAP, Jest JSON and go test -json. Node's own TAP and JUnit
// reporters are run for real on a small test file; test/integration/test-runners.test.ts runs every
// other runner for real. The samples here are the edge cases those runs do not reach.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  detectFormat,
  parseGoJson,
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
  const r = parseTap(out, { root: dir });
  // Node gives failures a location, so they are named by their file too (relative to the root).
  expect(view(r.cases).sort()).toEqual(EXPECTED.map((e) => e.replace(/^failed /, 'failed a.test.js > ')).sort());
  const fails = r.cases.find((c) => c.title === 'fails # hard');
  expect(fails?.message).toContain('2 == 3');
  expect(fails?.message).toContain('expected: 3, actual: 2');
  expect(fails?.file).toBe('a.test.js');
  expect(r.cases.find((c) => c.title === 'deep')).toMatchObject({ suites: ['outer', 'mid'], file: 'a.test.js' });
  expect(r.cases.find((c) => c.title === 'deep')?.message).toContain('boom');
  // The next test's "# Subtest:" line is no part of a failure's message.
  expect(r.cases.filter((c) => c.message?.includes('Subtest:'))).toEqual([]);
  // Without a root the file is as Node printed it.
  expect(parseTap(out).cases.find((c) => c.title === 'deep')?.file).toBe(path.join(dir, 'a.test.js'));
});

test("node --test's JUnit XML: the same cases, with failure messages", () => {
  node(['--test', '--test-reporter=junit', '--test-reporter-destination=junit.xml']);
  const xml = fs.readFileSync(path.join(dir, 'junit.xml'), 'utf8');
  expect(detectFormat(xml)).toBe('junit');
  const r = parseJunit(xml, { root: dir });
  expect(view(r.cases).sort()).toEqual(EXPECTED);
  expect(r.cases.find((c) => c.title === 'deep')?.message).toContain('boom');
  expect(r.cases.every((c) => typeof c.durationMs === 'number')).toBe(true);
});

test('JUnit: pytest classnames become node ids where the module file is found; Surefire CDATA; entities decoded', () => {
  const pytest = `<?xml version="1.0" encoding="utf-8"?><testsuites name="pytest tests"><testsuite name="pytest" errors="0" failures="1" skipped="1" tests="3">
<testcase classname="tests.test_math.TestDiv" name="test_div[0-1]" time="0.002"><failure message="ZeroDivisionError: division&#10;by zero &amp;&#xA;more">def test_div():
&gt;       1 / 0</failure></testcase>
<testcase classname="tests.test_math" name="test_add" time="0.001" />
<testcase classname="tests.test_math" name="test_later" time="0"><skipped type="pytest.skip" message="not yet" /></testcase>
</testsuite></testsuites>`;
  const files = new Set(['tests/test_math.py']);
  const r = parseJunit(pytest, { root: '/repo', isFile: (f) => files.has(f) });
  expect(view(r.cases)).toEqual([
    'failed tests/test_math.py::TestDiv::test_div[0-1]',
    'passed tests/test_math.py::test_add',
    'skipped tests/test_math.py::test_later',
  ]);
  expect(r.cases[0]).toMatchObject({
    file: 'tests/test_math.py',
    suites: ['TestDiv'],
    title: 'test_div[0-1]',
    durationMs: 2,
  });
  expect(r.cases[0].message).toBe('ZeroDivisionError: division\nby zero &\nmore\ndef test_div():\n>       1 / 0');
  // Where no module file is found (pytest ran elsewhere), the classname stays whole.
  expect(view(parseJunit(pytest).cases)[0]).toBe('failed tests.test_math.TestDiv::test_div[0-1]');
  // pytest's xunit1 family names the file itself.
  const xunit1 = pytest.replace('name="test_add"', 'name="test_add" file="tests/test_math.py"');
  expect(parseJunit(xunit1).cases[1].name).toBe('tests/test_math.py::test_add');

  const surefire = `<testsuite name="com.acme.AppTest" tests="2"><testcase name="works" classname="com.acme.AppTest" time="0.01"/>
<testcase name="explodes" classname="com.acme.AppTest"><error type="java.lang.NullPointerException"><![CDATA[java.lang.NullPointerException: <null> &amp;
  at com.acme.App.run(App.java:3)]]></error></testcase></testsuite>`;
  const s = parseJunit(surefire);
  expect(view(s.cases)).toEqual(['passed com.acme.AppTest > works', 'failed com.acme.AppTest > explodes']);
  // CDATA is literal: its "&amp;" is no reference.
  expect(s.cases[1].message).toBe('java.lang.NullPointerException: <null> &amp;\n  at com.acme.App.run(App.java:3)');
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
  const r = parseJest(json, { root: '/repo' });
  expect(view(r.cases)).toEqual([
    'passed x.test.js > math > adds',
    'failed x.test.js > math > breaks',
    'skipped x.test.js > math > later',
    'failed broken.test.js > (test file failed to run)',
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
  const t = (name: string) => {
    const parts = name.split(' > ');
    return { name, title: parts.pop() as string, suites: parts };
  };
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

test('go test -json: a build failure and a panic are failures with what go printed; package lines are no tests', () => {
  const events = [
    {
      ImportPath: 'example.com/b/broken [example.com/b/broken.test]',
      Action: 'build-output',
      Output: '# example.com/b/broken [example.com/b/broken.test]\n',
    },
    {
      ImportPath: 'example.com/b/broken [example.com/b/broken.test]',
      Action: 'build-output',
      Output: 'broken/broken_test.go:5:28: undefined: undefined\n',
    },
    { ImportPath: 'example.com/b/broken [example.com/b/broken.test]', Action: 'build-fail' },
    { Action: 'start', Package: 'example.com/b/broken' },
    { Action: 'output', Package: 'example.com/b/broken', Output: 'FAIL\texample.com/b/broken [build failed]\n' },
    {
      Action: 'fail',
      Package: 'example.com/b/broken',
      FailedBuild: 'example.com/b/broken [example.com/b/broken.test]',
    },
    { Action: 'run', Package: 'example.com/b/pan', Test: 'TestPanics' },
    { Action: 'output', Package: 'example.com/b/pan', Test: 'TestPanics', Output: '=== RUN   TestPanics\n' },
    { Action: 'output', Package: 'example.com/b/pan', Test: 'TestPanics', Output: 'panic: boom <x>\n' },
    { Action: 'run', Package: 'example.com/b/pan', Test: 'TestHangs' },
    { Action: 'fail', Package: 'example.com/b/pan', Test: 'TestPanics', Elapsed: 0.5 },
    { Action: 'output', Package: 'example.com/b/pan', Output: 'FAIL\texample.com/b/pan\t0.006s\n' },
    { Action: 'fail', Package: 'example.com/b/pan', Elapsed: 0.006 },
  ];
  const out = events.map((e) => JSON.stringify(e)).join('\n');
  expect(detectFormat(out)).toBe('go-json');
  const r = parseGoJson(out);
  expect(view(r.cases)).toEqual([
    'failed example.com/b/pan > TestPanics',
    'failed example.com/b/pan > TestHangs',
    'failed example.com/b/broken > (package)',
  ]);
  expect(r.cases[0]).toMatchObject({ message: 'panic: boom <x>', durationMs: 500 });
  expect(r.cases[1].message).toBe('did not finish (the test binary stopped)\nfailed');
  expect(r.cases[2].message).toBe(
    '# example.com/b/broken [example.com/b/broken.test]\nbroken/broken_test.go:5:28: undefined: undefined',
  );
  expect(() => parseGoJson('no events here\n')).toThrow(/no `go test -json` events/);
});

test('prove: without -v it prints no test lines, which is said; a file that died is a failure of its own', () => {
  const quiet =
    't/a.t .. ok\nt/b.t .. \nDubious, test returned 1 (wstat 256, 0x100)\nFailed 1/1 subtests \n\nFiles=2, Tests=5\nResult: FAIL\n';
  expect(() => parseTap(quiet)).toThrow(/prove printed no test lines: run it with -v/);
  const died =
    "t/a.t .. \n1..2\nok 1 - first\nok 2 - second\nok\nt/b.t .. \nCan't locate Nope.pm in @INC\nDubious, test returned 2 (wstat 512, 0x200)\nNo subtests run \n\nFiles=2, Tests=2\n";
  const r = parseTap(died);
  expect(view(r.cases)).toEqual(['passed t/a.t > first', 'passed t/a.t > second', 'failed t/b.t > (test file)']);
  expect(r.cases[2].message).toBe('Dubious, test returned 2 (wstat 512, 0x200)\nNo subtests run');
});
