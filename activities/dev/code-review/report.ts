// Rendering a review: the Markdown of a local report and of a pull request review's body.
import type { Finding } from '../../../workflows/contract/findings';
import { SEVERITIES } from '../../../workflows/contract/findings';
import type { ReviewSummary } from './types';

const ICON: Record<string, string> = { critical: '🛑', high: '🔴', medium: '🟠', low: '🟡', info: '🔵' };

export function countsLine(s: ReviewSummary): string {
  const parts = SEVERITIES.filter((sev) => s.counts[sev] > 0).map((sev) => `${s.counts[sev]} ${sev}`);
  return parts.length ? parts.join(', ') : 'no findings';
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\s+/g, ' ').trim();

export function findingsTable(findings: Finding[], limit = 100): string {
  if (findings.length === 0) return '_None._';
  const rows = findings
    .slice(0, limit)
    .map(
      (f) =>
        `| ${ICON[f.severity] ?? ''} ${f.severity} | ${f.path ? `\`${cell(f.path)}${f.line ? `:${f.line}` : ''}\`` : '—'} | ${cell(f.rule)} | ${f.source} | ${cell(f.message).slice(0, 400)} |`,
    );
  const more = findings.length > limit ? `\n\n…and ${findings.length - limit} more (see the JSON report).` : '';
  return ['| Severity | Where | Rule | Source | Finding |', '|---|---|---|---|---|', ...rows].join('\n') + more;
}

export function notesBlock(notes: string[]): string {
  return notes.length ? `\n\n**Notes**\n\n${notes.map((n) => `- ${n}`).join('\n')}` : '';
}

/** The Markdown report of a local review. */
export function markdownReport(s: ReviewSummary, meta: { range: string; generatedAt: string }): string {
  return `# Code review: ${s.title}

- Range: \`${meta.range}\`
- Files: ${s.totals.files} (+${s.totals.additions} −${s.totals.deletions}, ${s.totals.hunks} hunks)
- Findings: ${countsLine(s)}
- Generated: ${meta.generatedAt} by Claude Flow

## Findings

${findingsTable(s.findings, 500)}${suggestionsSection(s.findings)}${notesBlock(s.notes)}
`;
}

/** The body of a pull request review: the summary, and the findings that could not be line comments. */
export function reviewBody(s: ReviewSummary, elsewhere: Finding[], lineComments: number): string {
  const head = `### Claude Flow code review\n\n**${countsLine(s)}** in ${s.totals.files} files (+${s.totals.additions} −${s.totals.deletions}).`;
  const inline = lineComments ? `\n\n${lineComments} finding(s) are line comments below.` : '';
  const rest = elsewhere.length ? `\n\n**Not on a changed line**\n\n${findingsTable(elsewhere, 60)}` : '';
  return `${head}${inline}${rest}${notesBlock(s.notes)}`;
}

/** A fence for `text`: longer than any run of backticks in it. */
function fence(text: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  return '`'.repeat(longest + 1);
}

/** The linter's fix: a GitHub suggestion block (`applicable`: it covers lines of the diff), else shown as text. */
export function suggestionBlock(f: Finding, applicable: boolean): string {
  const s = f.suggestion;
  if (!s) return '';
  const lines = s.line === s.endLine ? `line ${s.line}` : `lines ${s.line}–${s.endLine}`;
  const what = s.description ? `${s.description} (${lines})` : `Suggested change (${lines})`;
  const body = s.text === '' ? '' : `${s.text}\n`;
  const f3 = fence(s.text);
  if (applicable) return `\n\n${what}:\n\n${f3}suggestion\n${body}${f3}`;
  return `\n\n${what}${s.text === '' ? ': delete them' : `, to:\n\n${f3}\n${body}${f3}`}`;
}

export function commentBody(f: Finding, suggestion: 'applicable' | 'text' | 'none' = 'none'): string {
  const head = `${ICON[f.severity] ?? ''} **${f.severity}** · \`${f.rule}\` (${f.source})\n\n${f.message}`;
  return suggestion === 'none' ? head : `${head}${suggestionBlock(f, suggestion === 'applicable')}`;
}

/** The suggested changes of a local report. */
export function suggestionsSection(findings: Finding[]): string {
  const withFix = findings.filter((f) => f.suggestion);
  if (withFix.length === 0) return '';
  const items = withFix.map((f) => `### \`${f.path}:${f.line}\` ${f.rule}\n\n${f.message}${suggestionBlock(f, false)}`);
  return `\n\n## Suggested changes\n\n${items.join('\n\n')}`;
}
