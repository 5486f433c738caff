// Test report parsers: JUnit XML (any of the common dialects: Node's, Jest's, pytest's, Maven
// Surefire's), TAP 13/14 (including Node's indented subtests with YAML diagnostics) and Jest's
// `--json` output. Pure functions: they throw a ReportError saying what is wrong with the input.
import { XMLParser } from 'fast-xml-parser';
import YAML from 'yaml';
import type { CaseStatus, ParsedReport, ReportFormat, TestCase } from './types';

export class ReportError extends Error {}

const SEP = ' > ';
const MESSAGE_LINES = 20;
const MESSAGE_CHARS = 2_000;

/** The first lines of a failure message, bounded. */
export function shortMessage(text: string | undefined): string {
  const t = (text ?? '').trim();
  const lines = t.split('\n').slice(0, MESSAGE_LINES).join('\n');
  return lines.length > MESSAGE_CHARS ? `${lines.slice(0, MESSAGE_CHARS)}…` : lines;
}

// ---- JUnit XML --------------------------------------------------------------------------------

type XmlNode = Record<string, unknown>;

const asArray = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

function text(node: unknown): string {
  if (node === undefined || node === null) return '';
  if (typeof node !== 'object') return String(node);
  const n = node as XmlNode;
  const attr = typeof n['@_message'] === 'string' ? (n['@_message'] as string) : '';
  const body = typeof n['#text'] === 'string' ? (n['#text'] as string) : '';
  // The message attribute is the summary; the body usually holds the stack.
  return attr && body && !body.includes(attr) ? `${attr}\n${body}` : attr || body;
}

export function parseJunit(xml: string): ParsedReport {
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@_',
    parseAttributeValue: false,
    parseTagValue: false,
    trimValues: true,
    isArray: (name) => ['testsuite', 'testcase', 'failure', 'error', 'skipped'].includes(name),
  });
  let doc: XmlNode;
  try {
    doc = parser.parse(xml, true) as XmlNode;
  } catch (err) {
    throw new ReportError(`the JUnit report is not well-formed XML: ${(err as Error).message}`);
  }
  const root = (doc.testsuites ?? doc.testsuite) as XmlNode | XmlNode[] | undefined;
  if (root === undefined) {
    throw new ReportError('the JUnit report has neither a <testsuites> nor a <testsuite> root element');
  }
  const cases: TestCase[] = [];
  const walk = (node: XmlNode, path: string[], isRoot: boolean) => {
    const name = typeof node['@_name'] === 'string' ? (node['@_name'] as string) : '';
    // A <testsuites> root's name is a run label, not part of a test's name.
    const here = !isRoot && name ? [...path, name] : path;
    for (const c of asArray(node.testcase as XmlNode[] | undefined)) {
      const title = String(c['@_name'] ?? '');
      const failures = [...asArray(c.failure as unknown[]), ...asArray(c.error as unknown[])];
      const skipped = asArray(c.skipped as unknown[]).length > 0;
      const status: CaseStatus = failures.length > 0 ? 'failed' : skipped ? 'skipped' : 'passed';
      const time = Number(c['@_time']);
      cases.push({
        name: [...here, title].join(SEP),
        title,
        status,
        ...(status === 'failed'
          ? { message: shortMessage(failures.map(text).join('\n') || String(c['@_failure'] ?? 'failed')) }
          : {}),
        ...(typeof c['@_file'] === 'string' ? { file: c['@_file'] as string } : {}),
        ...(Number.isFinite(time) ? { durationMs: Math.round(time * 1000) } : {}),
      });
    }
    for (const s of asArray(node.testsuite as XmlNode[] | undefined)) walk(s, here, false);
  };
  if (doc.testsuites !== undefined) {
    for (const r of asArray(root)) walk(typeof r === 'object' && r ? r : {}, [], true);
  } else {
    for (const r of asArray(root)) walk(r, [], false);
  }
  return { format: 'junit', cases };
}

// ---- TAP --------------------------------------------------------------------------------------

const TEST_LINE = /^(\s*)(not ok|ok)\b\s*(\d+)?\s*(?:-\s*)?(.*)$/;
const SUBTEST = /^(\s*)# Subtest: (.*)$/;

/** Splits "name # SKIP reason" into the name and its directive. */
function directive(rest: string): { title: string; directive?: 'skip' | 'todo' } {
  const m = /^(.*?)\s+#\s*(SKIP|TODO)\b.*$/i.exec(rest);
  if (!m) return { title: unescapeTap(rest.trim()) };
  return { title: unescapeTap(m[1].trim()), directive: m[2].toLowerCase() as 'skip' | 'todo' };
}

const unescapeTap = (s: string) => s.replace(/\\#/g, '#').replace(/\\\\/g, '\\');

/** The YAML diagnostics block right after a test line, if any: its text and the index after it. */
function yamlBlock(lines: string[], from: number): { data?: Record<string, unknown>; next: number } {
  const open = /^(\s*)---\s*$/.exec(lines[from] ?? '');
  if (!open) return { next: from };
  const indent = open[1].length;
  const body: string[] = [];
  let i = from + 1;
  for (; i < lines.length; i++) {
    if (/^\s*\.\.\.\s*$/.test(lines[i])) {
      i++;
      break;
    }
    body.push(lines[i].slice(Math.min(indent, lines[i].length - lines[i].trimStart().length)));
  }
  try {
    const data = YAML.parse(body.join('\n')) as unknown;
    return { data: data && typeof data === 'object' ? (data as Record<string, unknown>) : undefined, next: i };
  } catch {
    return { next: i };
  }
}

function tapMessage(data: Record<string, unknown> | undefined): string {
  if (!data) return 'failed';
  const parts: string[] = [];
  for (const key of ['error', 'message']) {
    const v = data[key];
    if (typeof v === 'string' && v.trim()) parts.push(v);
  }
  if ('expected' in data || 'actual' in data) {
    parts.push(`expected: ${JSON.stringify(data.expected)}, actual: ${JSON.stringify(data.actual)}`);
  }
  if (typeof data.stack === 'string') parts.push(data.stack);
  return parts.length > 0 ? parts.join('\n') : 'failed';
}

export function parseTap(output: string): ParsedReport {
  const lines = output.split(/\r?\n/);
  if (!lines.some((l) => TEST_LINE.test(l) || /^\s*1\.\.\d+/.test(l) || /^TAP version/.test(l))) {
    throw new ReportError('the output has no TAP test lines ("ok N - name" / "not ok N - name")');
  }
  const cases: TestCase[] = [];
  // Enclosing subtest names by indentation (Node prints "# Subtest: name" before a test's children).
  const subtests: { indent: number; name: string }[] = [];
  let lastIndent = -1;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const bail = /^\s*Bail out!\s*(.*)$/.exec(line);
    if (bail) {
      cases.push({ name: 'Bail out!', title: 'Bail out!', status: 'failed', message: bail[1] || 'the run bailed out' });
      continue;
    }
    const sub = SUBTEST.exec(line);
    if (sub) {
      const indent = sub[1].length;
      while (subtests.length > 0 && subtests[subtests.length - 1].indent >= indent) subtests.pop();
      subtests.push({ indent, name: sub[2].trim() });
      continue;
    }
    const m = TEST_LINE.exec(line);
    if (!m) continue;
    const indent = m[1].length;
    const { title, directive: dir } = directive(m[4]);
    const diag = yamlBlock(lines, i + 1);
    i = diag.next - 1;
    // Children come right before their parent's line, more indented: a parent is not a test case.
    const isParent = lastIndent > indent || diag.data?.type === 'suite';
    lastIndent = indent;
    const path = subtests.filter((s) => s.indent < indent).map((s) => s.name);
    while (subtests.length > 0 && subtests[subtests.length - 1].indent >= indent) subtests.pop();
    const failed = m[2] === 'not ok';
    if (isParent) {
      // A suite that failed on its own (a hook, a syntax error) with no failing child still counts.
      const childFailed = cases.some((c) => c.status === 'failed' && c.name.startsWith([...path, title].join(SEP)));
      if (!failed || childFailed || dir) continue;
    }
    const status: CaseStatus = dir ? 'skipped' : failed ? 'failed' : 'passed';
    const duration = Number(diag.data?.duration_ms);
    cases.push({
      name: [...path, title].join(SEP),
      title,
      status,
      ...(status === 'failed' ? { message: shortMessage(tapMessage(diag.data)) } : {}),
      ...(typeof diag.data?.location === 'string'
        ? { file: (diag.data.location as string).replace(/:\d+:\d+$/, '') }
        : {}),
      ...(Number.isFinite(duration) ? { durationMs: Math.round(duration) } : {}),
    });
  }
  return { format: 'tap', cases };
}

// ---- Jest JSON --------------------------------------------------------------------------------

interface JestAssertion {
  title?: string;
  fullName?: string;
  ancestorTitles?: string[];
  status?: string;
  failureMessages?: string[];
  duration?: number | null;
}
interface JestSuite {
  name?: string;
  status?: string;
  message?: string;
  failureMessage?: string | null;
  assertionResults?: JestAssertion[];
}

// eslint-disable-next-line no-control-regex -- Jest colours its failure messages
const stripAnsi = (s: string) => s.replace(/\u001b\[[0-9;]*m/g, '');

export function parseJest(json: string): ParsedReport {
  let doc: { testResults?: JestSuite[]; numTotalTests?: number };
  try {
    doc = JSON.parse(json) as typeof doc;
  } catch (err) {
    throw new ReportError(`the Jest report is not JSON: ${(err as Error).message}`);
  }
  if (!doc || typeof doc !== 'object' || !Array.isArray(doc.testResults)) {
    throw new ReportError('the Jest report has no "testResults" array; run jest with --json');
  }
  const cases: TestCase[] = [];
  for (const suite of doc.testResults) {
    const file = suite.name;
    const asserts = suite.assertionResults ?? [];
    for (const a of asserts) {
      const title = a.title ?? a.fullName ?? '';
      const status: CaseStatus = a.status === 'passed' ? 'passed' : a.status === 'failed' ? 'failed' : 'skipped';
      cases.push({
        name: [...(a.ancestorTitles ?? []), title].join(SEP),
        title,
        status,
        ...(status === 'failed' ? { message: shortMessage(stripAnsi((a.failureMessages ?? []).join('\n'))) } : {}),
        ...(file ? { file } : {}),
        ...(typeof a.duration === 'number' ? { durationMs: a.duration } : {}),
      });
    }
    // A file that could not run (syntax error, failing import) has no assertions but a message.
    if (suite.status === 'failed' && !asserts.some((a) => a.status === 'failed')) {
      const title = file ? `${file} (test file failed to run)` : 'test file failed to run';
      cases.push({
        name: title,
        title,
        status: 'failed',
        message: shortMessage(stripAnsi(suite.failureMessage ?? suite.message ?? 'failed')),
        ...(file ? { file } : {}),
      });
    }
  }
  return { format: 'jest', cases };
}

// ---- detection --------------------------------------------------------------------------------

/** Which format `content` is in, by its first meaningful bytes; undefined when none fits. */
export function detectFormat(content: string): ReportFormat | undefined {
  const head = content.replace(/^\uFEFF/, '').trimStart();
  if (head.startsWith('<')) return 'junit';
  if (head.startsWith('{')) {
    try {
      const doc = JSON.parse(head) as Record<string, unknown>;
      if (Array.isArray(doc.testResults)) return 'jest';
    } catch {
      /* not JSON */
    }
  }
  if (/^TAP version \d+/m.test(content) || /^\s*(not )?ok \d+\b/m.test(content)) return 'tap';
  // Some tools print text around an XML report or a JSON report on stdout.
  if (/<testsuites?\b/.test(content)) return 'junit';
  return undefined;
}

/** Parses `content` as `format` ('auto': detected). */
export function parseReport(content: string, format: ReportFormat | 'auto'): ParsedReport {
  const f = format === 'auto' ? detectFormat(content) : format;
  if (!f) {
    throw new ReportError(
      'could not tell the report format (not JUnit XML, TAP or Jest JSON); set "format" and, for JUnit or Jest, "reportFile"',
    );
  }
  if (f === 'junit') {
    const start = content.search(/<\?xml|<testsuites?\b/);
    return parseJunit(start > 0 ? content.slice(start) : content);
  }
  if (f === 'jest') return parseJest(content.trim());
  return parseTap(content);
}
