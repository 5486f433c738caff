// TAP, read with tap-parser (node-tap's own parser: TAP 13/14, YAML diagnostics, nested subtests,
// directives, bail-outs). Two producers are known:
// - node --test: nested subtests named by their parents; a test with subtests is itself a test (as
//   Node counts it), a `describe` suite is not unless it failed on its own (a hook, a load error).
//   Only failures carry a `location`, so passing tests have no file.
// - prove -v: each file's TAP under a "t/a.t .." header; like prove, only a file's top-level test
//   points count (a Perl subtest is one test), and a file prove failed with no failing test point
//   (a die, a bad plan, a non-zero exit) is a failure of its own.
import { Parser, type Result } from 'tap-parser';
import type { CaseStatus, TestCase } from '../types';
import { relativeFile, ReportError, shortMessage, testCase, type ParseOptions } from './common';

type Diag = Record<string, unknown> | null | undefined;

const TAP_LINE = /^\s*(ok|not ok)\b|^\s*1\.\.\d+|^TAP version \d+/m;
/** prove's "t/a.t .. " header, and what prove says after a file's TAP. */
const PROVE_HEADER = /^(\S+) \.{2,} ?(.*)$/;
const PROVE_VERDICT =
  /^(ok|skipped:.*|Dubious, .*|Failed \d+\/\d+ subtests.*|All \d+ subtests passed.*|No subtests run.*|Parse errors:.*|\s+(Bad plan|Tests out of sequence).*)$/;
const PROVE_FAILED = /^(Dubious, |Failed \d+\/\d+ subtests|No subtests run|Parse errors:)/;
/** Node's closing summary comments, no part of any test's message. */
const NODE_SUMMARY = /^#\s*(tests|suites|pass|fail|cancelled|skipped|todo|duration_ms)\s+[\d.]+\s*$/;

function tapMessage(diag: Diag, comments: string[]): string {
  const parts: string[] = [];
  if (diag) {
    for (const key of ['error', 'message']) {
      const v = diag[key];
      if (typeof v === 'string' && v.trim()) parts.push(v);
    }
    if ('expected' in diag || 'actual' in diag) {
      parts.push(`expected: ${JSON.stringify(diag.expected)}, actual: ${JSON.stringify(diag.actual)}`);
    }
    if (typeof diag.stack === 'string') parts.push(diag.stack);
  }
  // Test::More's diagnostics ("#   Failed test 'x'") when prove merges stderr in (prove -v -m).
  const diagnostics = comments.map((c) => c.replace(/^#\s?/, '').trimEnd()).filter((c) => c.trim());
  if (diagnostics.length > 0) parts.push(diagnostics.join('\n'));
  return parts.length > 0 ? parts.join('\n') : 'failed';
}

const statusOf = (r: Result): CaseStatus => (r.todo || r.skip ? 'skipped' : r.ok ? 'passed' : 'failed');

function fileOf(diag: Diag, opts: ParseOptions): string | undefined {
  const location = diag?.location;
  return typeof location === 'string' ? relativeFile(location.replace(/:\d+:\d+$/, ''), opts.root) : undefined;
}

/** Cases of one TAP stream; `nested` false reads only its top-level points (prove). */
function readStream(tap: string, opts: ParseOptions, where: { file?: string; nested: boolean }): TestCase[] {
  const cases: TestCase[] = [];
  const walk = (parser: Parser, suites: string[]) => {
    // A subtest's points come before its parent's own line: the parent is the next point named so.
    const children = new Map<string, number>();
    // The failed point the comments that follow it belong to.
    let pending: { index: number; diag: Diag; comments: string[] } | undefined;
    const flush = () => {
      if (pending) cases[pending.index].message = shortMessage(tapMessage(pending.diag, pending.comments));
      pending = undefined;
    };
    parser.on('child', (child: Parser) => {
      if (!where.nested) return;
      children.set(child.name, cases.length);
      walk(child, [...suites, child.name]);
    });
    parser.on('comment', (c: string) => {
      if (pending && !NODE_SUMMARY.test(c.trim()) && !/^#\s*(Looks like you |Subtest: )/.test(c)) {
        pending.comments.push(c);
      }
    });
    parser.on('assert', (r: Result) => {
      flush();
      const diag = r.diag as Diag;
      // A point with no description (Test::More's skip) is known by its number.
      const title = r.name || `#${r.id}`;
      const since = children.get(title);
      children.delete(title);
      const status = statusOf(r);
      if (since !== undefined && diag?.type === 'suite') {
        // A suite that failed on its own (a hook, a load error) with no failing child still counts.
        const childFailed = cases.slice(since).some((c) => c.status === 'failed');
        if (status !== 'failed' || childFailed) return;
      }
      cases.push(
        testCase({
          title,
          suites,
          status,
          file: where.file ?? fileOf(diag, opts),
          message: tapMessage(diag, []),
          durationMs: typeof diag?.duration_ms === 'number' ? diag.duration_ms : undefined,
        }),
      );
      if (status === 'failed') pending = { index: cases.length - 1, diag, comments: [] };
    });
    parser.on('bailout', (reason: string) => {
      flush();
      const message = reason || 'the run bailed out';
      cases.push(testCase({ title: 'Bail out!', suites, status: 'failed', file: where.file, message }));
    });
    parser.on('complete', flush);
  };
  const root = new Parser();
  walk(root, []);
  root.end(tap);
  return cases;
}

/** prove -v output split by file; undefined when it is no prove output. */
function proveFiles(output: string): { file: string; tap: string; verdict: string[] }[] | undefined {
  const lines = output.split(/\r?\n/);
  const files: { file: string; lines: string[]; verdict: string[] }[] = [];
  for (const line of lines) {
    const header = PROVE_HEADER.exec(line);
    if (header && !TAP_LINE.test(line)) {
      files.push({ file: header[1], lines: [], verdict: header[2].trim() ? [header[2].trim()] : [] });
      continue;
    }
    const current = files[files.length - 1];
    if (!current) continue;
    if (/^Test Summary Report\s*$|^Files=\d+, Tests=\d+/.test(line)) break;
    if (PROVE_VERDICT.test(line)) current.verdict.push(line.trim());
    else current.lines.push(line);
  }
  if (files.length === 0) return undefined;
  return files.map((f) => ({ file: f.file, tap: f.lines.join('\n'), verdict: f.verdict }));
}

export function parseTap(output: string, opts: ParseOptions = {}): { cases: TestCase[] } {
  const prove = proveFiles(output);
  if (prove) {
    // Without -v prove prints only its verdicts: the passing tests would be missing.
    if (!prove.some((f) => TAP_LINE.test(f.tap))) {
      throw new ReportError("prove printed no test lines: run it with -v (and -m for the tests' diagnostics)");
    }
    const cases: TestCase[] = [];
    for (const f of prove) {
      const own = readStream(f.tap, opts, { file: f.file, nested: false });
      cases.push(...own);
      if (f.verdict.some((v) => PROVE_FAILED.test(v)) && !own.some((c) => c.status === 'failed')) {
        cases.push(
          testCase({ title: '(test file)', suites: [], status: 'failed', file: f.file, message: f.verdict.join('\n') }),
        );
      }
    }
    return { cases };
  }
  if (!TAP_LINE.test(output)) {
    throw new ReportError('the output has no TAP test lines ("ok N - name" / "not ok N - name")');
  }
  return { cases: readStream(output, opts, { nested: true }) };
}
