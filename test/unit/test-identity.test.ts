// What a rerun says of a test that failed: flaky only when the same identity (file, suites, title)
// failed and then passed; never a pass for a real failure, whatever the report leaves out.
import { rerunVerdict } from '../../workflows/contract/test-identity';

type Status = 'passed' | 'failed' | 'skipped';
const tc = (title: string, status: Status, file?: string, suites: string[] = []) => ({
  title,
  suites,
  status,
  ...(file ? { file } : {}),
});

test('same name in two files: the one that passed is flaky, the one that failed again is failed', () => {
  const first = [tc('same', 'failed', 'a.py'), tc('same', 'failed', 'b.py')];
  const rerun = [tc('same', 'passed', 'a.py'), tc('same', 'failed', 'b.py')];
  expect(rerunVerdict(first[0], first, rerun)).toEqual({ verdict: 'flaky' });
  expect(rerunVerdict(first[1], first, rerun)).toEqual({ verdict: 'failed', why: 'failed again' });
});

test('suites (classes) are part of the identity', () => {
  const a = tc('test_x', 'failed', 't.py', ['TestA']);
  const b = tc('test_x', 'failed', 't.py', ['TestB']);
  const rerun = [tc('test_x', 'failed', 't.py', ['TestA']), tc('test_x', 'passed', 't.py', ['TestB'])];
  expect(rerunVerdict(a, [a, b], rerun).verdict).toBe('failed');
  expect(rerunVerdict(b, [a, b], rerun).verdict).toBe('flaky');
});

test("node's TAP names the file of failures only: a file-less pass stands for a failure only when every twin ran again", () => {
  const first = [tc('same', 'failed', 'a.test.js'), tc('same', 'failed', 'b.test.js'), tc('same', 'passed')];
  // All three ran again; b failed again (and so named its file); a and c passed, with no file.
  const rerun = [tc('same', 'passed'), tc('same', 'failed', 'b.test.js'), tc('same', 'passed')];
  expect(rerunVerdict(first[0], first, rerun)).toEqual({ verdict: 'flaky' });
  expect(rerunVerdict(first[1], first, rerun).verdict).toBe('failed');
  // a's file did not run again (it crashed on load, say): the one file-less pass may be c's.
  const crashed = [tc('same', 'failed', 'b.test.js'), tc('same', 'passed')];
  expect(rerunVerdict(first[0], first, crashed)).toMatchObject({ verdict: 'failed', why: 'ambiguous' });
});

test('twins the report cannot tell apart are flaky only if every one passed', () => {
  const first = [tc('same', 'failed'), tc('same', 'failed')];
  expect(rerunVerdict(first[0], first, [tc('same', 'passed'), tc('same', 'passed')]).verdict).toBe('flaky');
  const mixed = rerunVerdict(first[0], first, [tc('same', 'passed'), tc('same', 'failed')]);
  expect(mixed).toEqual({
    verdict: 'failed',
    why: 'ambiguous',
    note: '2 tests are named "same" in the report (no file or class tells them apart), and the rerun does not show that each of them passed',
  });
  expect(rerunVerdict(first[0], first, [tc('same', 'passed')]).verdict).toBe('failed');
  expect(rerunVerdict(first[0], first, [tc('same', 'failed'), tc('same', 'failed')])).toEqual({
    verdict: 'failed',
    why: 'failed again',
  });
});

test('a test missing from the rerun, or skipped in it, stays failed and says so', () => {
  const f = tc('gone', 'failed', 'x.test.js', ['suite']);
  expect(rerunVerdict(f, [f], [tc('other', 'passed', 'x.test.js')])).toEqual({
    verdict: 'failed',
    why: 'not rerun',
    note: '"x.test.js > suite > gone" did not run again on the rerun',
  });
  expect(rerunVerdict(f, [f], [tc('gone', 'skipped', 'x.test.js', ['suite'])])).toMatchObject({
    verdict: 'failed',
    why: 'not rerun',
  });
  // A pass in another file is no pass of this test.
  expect(rerunVerdict(f, [f], [tc('gone', 'passed', 'y.test.js', ['suite'])]).verdict).toBe('failed');
});
