// Test report parsers: JUnit XML (pytest, Jest's jest-junit, node --test, gotestsum, Maven Surefire
// and the like), TAP (node --test, prove -v), Jest's `--json` output and `go test -json` events.
// Pure functions of the report text (and of ParseOptions): they throw a ReportError saying what is
// wrong with the input.
import type { ParsedReport, ReportFormat } from '../types';
import { ReportError, type ParseOptions } from './common';
import { looksLikeGoJson, parseGoJson } from './go';
import { parseJest } from './jest';
import { parseJunit } from './junit';
import { parseTap } from './tap';

export { ReportError, shortMessage, type ParseOptions } from './common';
export { parseGoJson, parseJest, parseJunit, parseTap };

/** Which format `content` is in, by its first meaningful bytes; undefined when none fits. */
export function detectFormat(content: string): ReportFormat | undefined {
  const head = content.replace(/^\uFEFF/, '').trimStart();
  if (head.startsWith('<')) return 'junit';
  if (head.startsWith('{')) {
    if (looksLikeGoJson(head)) return 'go-json';
    try {
      const doc = JSON.parse(head) as Record<string, unknown>;
      if (Array.isArray(doc.testResults)) return 'jest';
    } catch {
      /* not one JSON document */
    }
  }
  if (/^TAP version \d+/m.test(content) || /^\s*(not )?ok \d+\b/m.test(content)) return 'tap';
  // Some tools print text around an XML report, or before the JSON events.
  if (/<testsuites?\b/.test(content)) return 'junit';
  if (/^\{"(Time|Action)":/m.test(content)) return 'go-json';
  return undefined;
}

/** Parses `content` as `format` ('auto': detected). */
export function parseReport(content: string, format: ReportFormat | 'auto', opts: ParseOptions = {}): ParsedReport {
  const f = format === 'auto' ? detectFormat(content) : format;
  if (!f) {
    throw new ReportError(
      'could not tell the report format (not JUnit XML, TAP, Jest JSON or go test -json); set "format" and, for JUnit or Jest, "reportFile"',
    );
  }
  if (f === 'junit') {
    const start = content.search(/<\?xml|<testsuites?\b/);
    return { format: f, ...parseJunit(start > 0 ? content.slice(start) : content, opts) };
  }
  if (f === 'jest') return { format: f, ...parseJest(content.trim(), opts) };
  if (f === 'go-json') return { format: f, ...parseGoJson(content) };
  return { format: f, ...parseTap(content, opts) };
}
