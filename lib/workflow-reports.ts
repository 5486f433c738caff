// The report files a run wrote (SARIF, Markdown, JSON, JUnit), as named in its result, and which of
// them this host may serve: only a file inside the run's reports directory (<repository>/.claude-flow/
// reports, or the reportDir its input chose) — or, for a testRun's JUnit file, inside its repository —
// after following symlinks. Never a path a caller gives.
import fs from 'node:fs';
import path from 'node:path';
import { notFound } from './errors';

export const REPORT_KINDS = ['markdown', 'sarif', 'json', 'junit'] as const;
export type ReportKind = (typeof REPORT_KINDS)[number];

export const REPORT_TYPES: Record<ReportKind, string> = {
  markdown: 'text/markdown; charset=utf-8',
  sarif: 'application/sarif+json',
  json: 'application/json',
  junit: 'application/xml',
};

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const text = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);

/** The files a run's result names, by kind (codeReview: report.markdown/json; securityAudit: sarif, markdown). */
export function reportFiles(result: unknown, input: unknown): Partial<Record<ReportKind, string>> {
  const r = obj(result);
  const report = obj(r.report);
  const i = obj(input);
  const files: Partial<Record<ReportKind, string>> = {};
  const markdown = text(r.markdown) ?? text(report.markdown);
  const sarif = text(r.sarif) ?? text(report.sarif);
  const json = text(report.json);
  if (markdown) files.markdown = markdown;
  if (sarif) files.sarif = sarif;
  if (json) files.json = json;
  // testRun reads a JUnit file the tests wrote in the repository (input.reportFile).
  if (r.format === 'junit' && text(i.path) && text(i.reportFile))
    files.junit = path.resolve(i.path as string, i.reportFile as string);
  return files;
}

const inside = (file: string, dir: string) => {
  const rel = path.relative(dir, file);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
};
const realOf = (p: string | undefined) => {
  try {
    return p ? fs.realpathSync(p) : undefined;
  } catch {
    return undefined;
  }
};

/**
 * Whether `real` (symlinks followed) is in the run's reports directory: `<repository>/.claude-flow/
 * reports/` of the repository holding the run's input path (the review may name a folder inside it),
 * or the input's own reportDir; a JUnit file anywhere inside the test run's repository.
 */
function allowed(kind: ReportKind, real: string, input: unknown): boolean {
  const i = obj(input);
  const repo = realOf(text(i.path));
  if (!repo) return false;
  if (kind === 'junit') return inside(real, repo);
  const reportDir = realOf(text(i.reportDir));
  if (reportDir) return path.dirname(real) === reportDir;
  const dir = path.dirname(real);
  if (path.basename(dir) !== 'reports' || path.basename(path.dirname(dir)) !== '.claude-flow') return false;
  const root = path.dirname(path.dirname(dir));
  return repo === root || inside(repo, root);
}

/**
 * The real path of the run's report of `kind`, checked: 404 when the run has none, when the file is
 * not on this host (the worker that wrote it runs elsewhere, or it was deleted), or when it lies
 * outside the run's reports directory.
 */
export function reportPath(workflowId: string, kind: ReportKind, result: unknown, input: unknown): string {
  const file = reportFiles(result, input)[kind];
  if (!file) {
    const have = Object.keys(reportFiles(result, input));
    throw notFound(
      `${workflowId} has no ${kind} report${have.length ? `; it has: ${have.join(', ')}` : ' (only finished code reviews, security audits and JUnit test runs write reports)'}`,
    );
  }
  let real: string;
  try {
    real = fs.realpathSync(file);
  } catch {
    throw notFound(
      `The ${kind} report of ${workflowId} (${file}) is not on this host: it is on the machine of the worker that ran it, or it was deleted`,
    );
  }
  if (!allowed(kind, real, input) || !fs.statSync(real).isFile()) {
    throw notFound(
      `The ${kind} report of ${workflowId} (${file}) is outside the run's reports directory, so it is not served`,
    );
  }
  return real;
}
