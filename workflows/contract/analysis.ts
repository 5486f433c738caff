// What the security audit's analysers (gitleaks, Semgrep, the repository's linters, our own checks)
// hand back, and how their results merge: one result per place and topic, every tool that found it
// named, the most severe severity kept. Pure and deterministic: the workflow merges for its counts
// and triage, the report activity merges the same way for the SARIF file.
import { severityRank, type Finding, type Severity } from './findings';

/** The driver of the merged SARIF log: the tool code scanning files the audit's analyses under. */
export const CODE_SCANNING_TOOL = 'Claude Flow securityAudit';
/** The code scanning category: each audit of a ref replaces the previous one's results. */
export const CODE_SCANNING_CATEGORY = 'claude-flow/security-audit/';

/** Where a finding sits when it is not product code: reported, but never as critical. */
export type Classification = 'test' | 'example';

export interface ToolInfo {
  /** As shown to users and in SARIF (`gitleaks`, `Semgrep`, `ESLint`, `Claude Flow checks`). */
  name: string;
  version?: string;
  informationUri?: string;
}

export interface RuleInfo {
  /** The tool's own rule id (`github-pat`, `js-eval`, `no-eval`). */
  id: string;
  description: string;
  helpUri?: string;
  tags?: string[];
}

export interface AnalysisResult extends Finding {
  /** `<tool key>/<the tool's rule id>`, e.g. `gitleaks/github-pat`, `semgrep/js-eval`, `secret/password-in-url`. */
  rule: string;
  /** The key of the tool that found it (`gitleaks`, `semgrep`, `eslint`, `ruff`, `claude-flow`). */
  tool: string;
  /** Every tool that found it, after merging (first the one whose rule id is kept). */
  tools?: string[];
  column?: number;
  endColumn?: number;
  /** Stable across runs and line moves: a secret's hash, or rule + path + the line's text. Baselines name it. */
  fingerprint: string;
  classification?: Classification;
  /** The tool's severity, when the classification lowered it. */
  originalSeverity?: Severity;
  /** Accepted in the repository's baseline: kept in the SARIF file as suppressed, left out of counts. */
  suppression?: { reason: string; acceptedBy: string };
}

export interface ToolRun {
  /** The key results carry in `tool`. */
  key: string;
  info: ToolInfo;
  /** Only the rules that produced a result. */
  rules: RuleInfo[];
  status: 'ran' | 'skipped' | 'failed';
  /** Why it was skipped or failed; what ran instead. */
  reason?: string;
}

/** One analyser step (secrets, risky code, linters): the tools it ran and what they found. */
export interface Analysis {
  step: 'secrets' | 'risky-code' | 'linters' | 'dependencies';
  tools: ToolRun[];
  results: AnalysisResult[];
  /** Results before `maxResults` cut the list (suppressed ones included). */
  total: number;
  filesScanned: number;
  notes: string[];
}

/** What a result is about, across tools: the same secret found by gitleaks and our checks is one finding. */
export function topicOf(r: Pick<Finding, 'rule'>): string {
  const id = r.rule.toLowerCase();
  if (/^(gitleaks|secret)\//.test(id)) return 'secret';
  const topics: [string, RegExp][] = [
    ['eval', /eval|function-constructor|code-injection/],
    ['shell', /shell|command|exec|subprocess|os-system/],
    ['sql', /sql/],
    ['tls', /tls|ssl|certificate|insecure/],
    ['deserialization', /deserializ|pickle|yaml-load/],
  ];
  return topics.find(([, re]) => re.test(id))?.[0] ?? id;
}

const placeKey = (r: AnalysisResult) => `${r.path ?? ''}\0${r.line ?? 0}\0${topicOf(r)}`;

/**
 * Merges analyses: results at the same path and line about the same topic become one, keeping the
 * first seen (analyses in order: secrets, risky code, linters) with the highest severity and every
 * tool named. A suppression or classification on any of them applies to the merged result.
 * Sorted by severity, then place; suppressed results last.
 */
export function mergeAnalyses(analyses: readonly Analysis[]): AnalysisResult[] {
  const byPlace = new Map<string, AnalysisResult>();
  for (const a of analyses) {
    for (const r of a.results) {
      const key = placeKey(r);
      const twin = byPlace.get(key);
      if (!twin) {
        byPlace.set(key, { ...r, tools: [...(r.tools ?? [r.tool])] });
        continue;
      }
      for (const t of r.tools ?? [r.tool]) if (!twin.tools?.includes(t)) twin.tools?.push(t);
      if (severityRank(r.severity) < severityRank(twin.severity)) twin.severity = r.severity;
      if (
        r.originalSeverity &&
        (!twin.originalSeverity || severityRank(r.originalSeverity) < severityRank(twin.originalSeverity))
      )
        twin.originalSeverity = r.originalSeverity;
      twin.classification ??= r.classification;
      twin.suppression ??= r.suppression;
      if (twin.endLine === undefined && r.endLine !== undefined) twin.endLine = r.endLine;
    }
  }
  const merged = [...byPlace.values()].map((r) => ({ ...r, source: r.tools?.join('+') ?? r.tool }));
  return merged.sort(
    (a, b) =>
      Number(Boolean(a.suppression)) - Number(Boolean(b.suppression)) ||
      severityRank(a.severity) - severityRank(b.severity) ||
      (a.path ?? '').localeCompare(b.path ?? '') ||
      (a.line ?? 0) - (b.line ?? 0) ||
      a.rule.localeCompare(b.rule),
  );
}
