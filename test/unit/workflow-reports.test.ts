// Which report files a run's result names, which of them may be served (only from the run's reports
// directory, symlinks followed), and which live events mean a run started or ended.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runChangeOf } from '../../lib/run-events';
import { reportFiles, reportPath } from '../../lib/workflow-reports';

const tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'cf-reports-unit-')));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function file(p: string, text = 'x'): string {
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, text);
  return p;
}

test('the files a result names, by kind', () => {
  expect(reportFiles({ sarif: '/r/a.sarif', markdown: '/r/a.md' }, { path: '/r' })).toEqual({
    sarif: '/r/a.sarif',
    markdown: '/r/a.md',
  });
  expect(reportFiles({ report: { markdown: '/r/b.md', json: '/r/b.json' } }, { path: '/r' })).toEqual({
    markdown: '/r/b.md',
    json: '/r/b.json',
  });
  expect(reportFiles({ format: 'junit', ok: true }, { path: '/r', reportFile: 'out/junit.xml' })).toEqual({
    junit: '/r/out/junit.xml',
  });
  expect(reportFiles({ format: 'tap' }, { path: '/r', reportFile: 'x.xml' })).toEqual({});
  expect(reportFiles(undefined, undefined)).toEqual({});
});

test('served only from the reports directory of the repository, or the input reportDir', () => {
  const repo = path.join(tmp, 'repo');
  const md = file(path.join(repo, '.claude-flow', 'reports', 'review-1.md'));
  // The input may name a folder inside the repository.
  fs.mkdirSync(path.join(repo, 'src'), { recursive: true });
  expect(reportPath('r1', 'markdown', { report: { markdown: md } }, { path: path.join(repo, 'src') })).toBe(md);

  const own = path.join(tmp, 'out');
  const sarif = file(path.join(own, 'audit.sarif'));
  expect(reportPath('r2', 'sarif', { sarif }, { path: repo, reportDir: own })).toBe(sarif);

  // Anything else named by a result is refused, however it got there.
  const elsewhere = file(path.join(tmp, 'secret.txt'), 'secret');
  expect(() => reportPath('r3', 'markdown', { markdown: elsewhere }, { path: repo })).toThrow(
    /outside the run's reports directory/,
  );
  expect(() => reportPath('r3', 'sarif', { sarif: elsewhere }, { path: repo, reportDir: own })).toThrow(/outside/);
  const link = path.join(repo, '.claude-flow', 'reports', 'review-2.md');
  fs.symlinkSync(elsewhere, link);
  expect(() => reportPath('r4', 'markdown', { markdown: link }, { path: repo })).toThrow(/outside/);
  expect(() => reportPath('r5', 'markdown', { markdown: md }, {})).toThrow(/outside/);
  // A JUnit file must be inside the test run's repository.
  const junit = file(path.join(repo, 'junit.xml'));
  expect(reportPath('r6', 'junit', { format: 'junit' }, { path: repo, reportFile: 'junit.xml' })).toBe(junit);
  expect(() => reportPath('r7', 'junit', { format: 'junit' }, { path: repo, reportFile: '../secret.txt' })).toThrow(
    /outside/,
  );
});

test('a missing report is a 404 that says why', () => {
  expect(() => reportPath('r8', 'sarif', { report: { markdown: '/x.md' } }, {})).toThrow(
    'r8 has no sarif report; it has: markdown',
  );
  expect(() => reportPath('r9', 'markdown', {}, {})).toThrow(/only finished code reviews, security audits/);
  expect(() => reportPath('r10', 'markdown', { markdown: path.join(tmp, 'gone', 'x.md') }, { path: tmp })).toThrow(
    /is not on this host/,
  );
});

test('which workflow events mean a run started or ended', () => {
  expect(runChangeOf('progress', { step: { name: 'a', status: 'running' }, completed: 0, total: 3 })).toBe('started');
  expect(runChangeOf('progress', { step: { name: 'b', status: 'running' }, completed: 1, total: 3 })).toBeUndefined();
  expect(runChangeOf('progress', { step: { name: 'a', status: 'done' }, completed: 1, total: 3 })).toBeUndefined();
  expect(runChangeOf('completed', { type: 'codeReview' })).toBe('completed');
  expect(runChangeOf('failed', {})).toBe('failed');
  expect(runChangeOf('cancelled', {})).toBe('cancelled');
  expect(runChangeOf('approval', {})).toBeUndefined();
  expect(runChangeOf('progress', null)).toBeUndefined();
});
