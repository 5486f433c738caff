// Jest's `--json` report (its own documented shape; JSON.parse reads it).
import type { CaseStatus, TestCase } from '../types';
import { relativeFile, ReportError, testCase, type ParseOptions } from './common';

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

export function parseJest(json: string, opts: ParseOptions = {}): { cases: TestCase[] } {
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
    const file = relativeFile(suite.name, opts.root);
    const asserts = suite.assertionResults ?? [];
    for (const a of asserts) {
      const status: CaseStatus = a.status === 'passed' ? 'passed' : a.status === 'failed' ? 'failed' : 'skipped';
      cases.push(
        testCase({
          title: a.title ?? a.fullName ?? '',
          suites: a.ancestorTitles ?? [],
          status,
          file,
          message: stripAnsi((a.failureMessages ?? []).join('\n')),
          durationMs: typeof a.duration === 'number' ? a.duration : undefined,
        }),
      );
    }
    // A file that could not run (syntax error, failing import) has no assertions but a message.
    if (suite.status === 'failed' && !asserts.some((a) => a.status === 'failed')) {
      cases.push(
        testCase({
          title: '(test file failed to run)',
          suites: [],
          status: 'failed',
          file,
          message: stripAnsi(suite.failureMessage ?? suite.message ?? 'failed'),
        }),
      );
    }
  }
  return { cases };
}
