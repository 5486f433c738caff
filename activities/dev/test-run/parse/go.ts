// `go test -json` output: one JSON object a line, the events of `go tool test2json` (documented by
// `go doc test2json`). Each line is read with JSON.parse; no other parser is needed. Like go test
// and gotestsum, every test that ran counts, a parent of subtests included; a package that failed
// with no failing test (a build error, a panic in TestMain) is a failure of its own.
import type { CaseStatus, TestCase } from '../types';
import { ReportError, testCase } from './common';

interface GoEvent {
  Action?: string;
  Package?: string;
  Test?: string;
  Output?: string;
  Elapsed?: number;
  ImportPath?: string;
  FailedBuild?: string;
}

interface Run {
  pkg: string;
  test: string;
  status?: CaseStatus;
  output: string[];
  elapsed?: number;
}

const END: Record<string, CaseStatus> = { pass: 'passed', fail: 'failed', skip: 'skipped' };
/** Lines go test prints around a test's own output. */
const FRAMING = /^\s*(=== (RUN|PAUSE|CONT|NAME)\b|--- (PASS|FAIL|SKIP): )/;
/** Lines go test prints for a package as a whole. */
const PACKAGE_FRAMING =
  /^(PASS|FAIL|ok {2}\t.*|FAIL\t.*|\? {3}\t.*|coverage: .*|testing: warning: no tests to run)\s*$/;

/** Lines without their common indentation (go indents a test's log under its name). */
function dedent(lines: string[]): string {
  const text = lines.join('').replace(/\n$/, '').split('\n');
  const indents = text.filter((l) => l.trim()).map((l) => l.length - l.trimStart().length);
  const cut = indents.length > 0 ? Math.min(...indents) : 0;
  return text.map((l) => l.slice(Math.min(cut, l.length - l.trimStart().length))).join('\n');
}

/** Whether `content` starts with a test2json event. */
export function looksLikeGoJson(content: string): boolean {
  const first = content.split('\n').find((l) => l.trim());
  if (!first) return false;
  try {
    const e = JSON.parse(first) as GoEvent;
    return typeof e === 'object' && e !== null && typeof e.Action === 'string';
  } catch {
    return false;
  }
}

export function parseGoJson(content: string): { cases: TestCase[] } {
  const runs = new Map<string, Run>();
  const packages = new Map<string, { failed: boolean; output: string[]; failedBuild?: string }>();
  const builds = new Map<string, string[]>();
  let events = 0;
  for (const line of content.split('\n')) {
    if (!line.trim().startsWith('{')) continue;
    let e: GoEvent;
    try {
      e = JSON.parse(line) as GoEvent;
    } catch {
      continue;
    }
    if (typeof e.Action !== 'string') continue;
    events++;
    if (e.Action === 'build-output' && e.ImportPath) {
      builds.set(e.ImportPath, [...(builds.get(e.ImportPath) ?? []), e.Output ?? '']);
      continue;
    }
    const pkg = e.Package ?? '';
    if (!e.Test) {
      const p = packages.get(pkg) ?? { failed: false, output: [] };
      if (e.Action === 'output' && e.Output) p.output.push(e.Output);
      if (e.Action === 'fail') p.failed = true;
      if (e.FailedBuild) p.failedBuild = e.FailedBuild;
      packages.set(pkg, p);
      continue;
    }
    const key = `${pkg}\u0000${e.Test}`;
    const run = runs.get(key) ?? { pkg, test: e.Test, output: [] };
    runs.set(key, run);
    if (e.Action === 'output' && e.Output) run.output.push(e.Output);
    if (e.Action in END) {
      run.status = END[e.Action];
      run.elapsed = e.Elapsed;
    }
  }
  if (events === 0) throw new ReportError('the output has no `go test -json` events (one JSON object a line)');

  const cases: TestCase[] = [];
  for (const run of runs.values()) {
    const own = run.output.filter((l) => !FRAMING.test(l));
    const failedChildren = [...runs.values()].filter(
      (r) => r.pkg === run.pkg && r.test.startsWith(`${run.test}/`) && r.status === 'failed',
    ).length;
    const why = own.some((l) => l.trim())
      ? dedent(own)
      : failedChildren > 0
        ? `${failedChildren} subtest${failedChildren === 1 ? '' : 's'} failed`
        : 'failed';
    cases.push(
      testCase({
        title: run.test,
        suites: [run.pkg],
        // A test that started and never ended: the binary panicked, timed out or was killed.
        status: run.status ?? 'failed',
        message: run.status ? why : `did not finish (the test binary stopped)\n${why}`,
        durationMs: run.elapsed !== undefined ? run.elapsed * 1000 : undefined,
      }),
    );
  }
  for (const [pkg, p] of packages) {
    if (!p.failed || cases.some((c) => c.suites[0] === pkg && c.status === 'failed')) continue;
    const build = p.failedBuild ? (builds.get(p.failedBuild) ?? []) : [];
    const output = [...build, ...p.output.filter((l) => !PACKAGE_FRAMING.test(l.trimEnd()))];
    const message = output.some((l) => l.trim()) ? dedent(output) : 'the package failed';
    cases.push(testCase({ title: '(package)', suites: [pkg], status: 'failed', message }));
  }
  return { cases };
}
