// Merging findings from several sources (static checks, linters, AI, audit tools): duplicates
// collapse into one with the highest severity and every source named; the result is ordered by
// severity, then location. Pure and deterministic: used by workflows and activities alike.
export type Severity = 'critical' | 'high' | 'medium' | 'low' | 'info';

/**
 * A change that fixes a finding, from its linter: lines `line`..`endLine` of the new file become
 * `text` (several lines joined by "\n"; "" deletes them).
 */
export interface Suggestion {
  line: number;
  endLine: number;
  text: string;
  /** What the change does, as the linter says it ("Remove unused import: `os`"). */
  description?: string;
}

/** One problem found by a review or an audit, wherever it came from (static check, AI, audit tool). */
export interface Finding {
  /** Stable rule id, e.g. "secret/aws-access-key", "risky/eval", "ai/review". */
  rule: string;
  severity: Severity;
  message: string;
  /** Repository-relative path. */
  path?: string;
  line?: number;
  endLine?: number;
  /** What produced it: "static", "linter", "ai", "npm-audit", … */
  source: string;
  /** A fix the linter offers. */
  suggestion?: Suggestion;
}

export const SEVERITIES: readonly Severity[] = ['critical', 'high', 'medium', 'low', 'info'];

export const severityRank = (s: Severity): number => SEVERITIES.indexOf(s);

export function countBySeverity(findings: readonly Finding[]): Record<Severity, number> {
  const counts: Record<Severity, number> = { critical: 0, high: 0, medium: 0, low: 0, info: 0 };
  for (const f of findings) counts[f.severity]++;
  return counts;
}

/** The topic of a finding, from its rule id or (for AI findings) its words. */
const TOPICS: [string, RegExp][] = [
  ['secret', /secret|credential|api[ _-]?key|access key|token|password|private key|hard-?coded/i],
  ['eval', /\beval\b|new function|dynamic code|code injection/i],
  ['shell', /shell|command injection|exec\b|child_process|os\.system|subprocess/i],
  ['sql', /\bsql\b|query|injection/i],
  ['tls', /\btls\b|\bssl\b|certificate|rejectunauthorized|verify/i],
];

function topic(f: Finding): string | undefined {
  const byRule = /^(secret|risky)\/(.*)$/.exec(f.rule);
  if (byRule) {
    if (byRule[1] === 'secret') return 'secret';
    if (/eval/.test(byRule[2])) return 'eval';
    if (/shell/.test(byRule[2])) return 'shell';
    if (/sql/.test(byRule[2])) return 'sql';
    if (/tls/.test(byRule[2])) return 'tls';
  }
  return TOPICS.find(([, re]) => re.test(`${f.rule} ${f.message}`))?.[0];
}

const words = (s: string) =>
  new Set(
    s
      .toLowerCase()
      .split(/[^a-z0-9]+/)
      .filter((w) => w.length > 2),
  );

function similar(a: string, b: string): boolean {
  const wa = words(a);
  const wb = words(b);
  if (wa.size === 0 || wb.size === 0) return false;
  let common = 0;
  for (const w of wa) if (wb.has(w)) common++;
  return common / Math.min(wa.size, wb.size) >= 0.6;
}

/** Same place, and the same rule, the same topic, or nearly the same words. */
export function isDuplicate(a: Finding, b: Finding): boolean {
  if ((a.path ?? '') !== (b.path ?? '') || (a.line ?? 0) !== (b.line ?? 0)) return false;
  if (a.rule === b.rule) return true;
  const ta = topic(a);
  if (ta !== undefined && ta === topic(b)) return true;
  return similar(a.message, b.message);
}

/**
 * Merges finding lists: later duplicates fold into the first one seen (static and linter findings
 * come first, so their precise rule ids win), keeping the highest severity and naming all sources.
 * At most `max` findings are kept, the most severe first.
 */
export function mergeFindings(lists: readonly (readonly Finding[])[], max = 500): Finding[] {
  const merged: Finding[] = [];
  const byPlace = new Map<string, Finding[]>();
  for (const list of lists) {
    for (const f of list) {
      const place = `${f.path ?? ''}:${f.line ?? 0}`;
      const here = byPlace.get(place) ?? [];
      const twin = here.find((m) => isDuplicate(m, f));
      if (!twin) {
        const copy = { ...f };
        merged.push(copy);
        byPlace.set(place, [...here, copy]);
        continue;
      }
      if (severityRank(f.severity) < severityRank(twin.severity)) twin.severity = f.severity;
      if (!twin.suggestion && f.suggestion) twin.suggestion = f.suggestion;
      const sources = new Set(twin.source.split('+'));
      if (!sources.has(f.source)) twin.source = [...sources, f.source].join('+');
    }
  }
  merged.sort(
    (a, b) =>
      severityRank(a.severity) - severityRank(b.severity) ||
      (a.path ?? '').localeCompare(b.path ?? '') ||
      (a.line ?? 0) - (b.line ?? 0) ||
      a.rule.localeCompare(b.rule),
  );
  return merged.slice(0, max);
}
