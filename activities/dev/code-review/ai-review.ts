// The model's part of a review: the prompt for one chunk, and reading its answer defensively. A
// reply that is not JSON findings becomes a clear note, never a crash; findings about files or
// lines outside the chunk are dropped rather than posted in the wrong place.
import type { Finding, Severity } from '../../../workflows/contract/findings';
import { SEVERITIES } from '../../../workflows/contract/findings';

export const REVIEW_SYSTEM_PROMPT = `You are a meticulous senior code reviewer. You review one part of a change (a unified diff; each line starts with its line number in the new file, then +, - or a space).
Report only real problems introduced or touched by the change: bugs, security issues, data loss, race conditions, error handling, performance traps, and clear maintainability problems. No praise, no style nits a formatter would fix.
Answer with JSON only, no prose and no code fences, exactly in this shape:
{"findings":[{"path":"<file path as shown after ###>","line":<new-file line number of an added or context line>,"severity":"critical|high|medium|low|info","title":"<short title>","message":"<what is wrong and how to fix it>"}]}
Answer {"findings":[]} when there is nothing worth reporting.`;

export function reviewPrompt(title: string, chunkText: string, chunkId: number, chunks: number): string {
  return `Change: ${title}\nPart ${chunkId} of ${chunks}.\n\n${chunkText}`;
}

/** The first JSON value in `text`: the whole text, inside a ``` fence, or from the first { or [. */
export function extractJson(text: string): unknown {
  const candidates: string[] = [text.trim()];
  const fence = /```(?:json)?\s*\n([\s\S]*?)```/.exec(text);
  if (fence) candidates.push(fence[1].trim());
  const obj = text.indexOf('{');
  const arr = text.indexOf('[');
  for (const start of [obj, arr].filter((i) => i >= 0).sort((a, b) => a - b)) {
    const close = text[start] === '{' ? '}' : ']';
    const end = text.lastIndexOf(close);
    if (end > start) candidates.push(text.slice(start, end + 1));
  }
  for (const c of candidates) {
    try {
      return JSON.parse(c);
    } catch {
      /* next */
    }
  }
  return undefined;
}

const SEVERITY_ALIASES: Record<string, Severity> = {
  blocker: 'critical',
  error: 'high',
  major: 'high',
  warning: 'medium',
  warn: 'medium',
  minor: 'low',
  note: 'info',
  nit: 'info',
  suggestion: 'info',
};

export interface ParsedReview {
  findings: Finding[];
  dropped: number;
}

/**
 * Reads the model's findings for a chunk. `lines` maps each path in the chunk to the new-side line
 * numbers it shows; a finding on another path is dropped, one on a line the chunk does not show
 * keeps its path but loses its line. Returns a string (why) when the reply holds no findings list.
 */
export function parseReview(text: string, lines: Map<string, Set<number>>, max = 50): ParsedReview | string {
  const json = extractJson(text);
  const list = Array.isArray(json)
    ? json
    : json && typeof json === 'object' && Array.isArray((json as { findings?: unknown }).findings)
      ? (json as { findings: unknown[] }).findings
      : undefined;
  if (!list) {
    const preview = text.replace(/\s+/g, ' ').trim().slice(0, 120);
    return `the model's reply was not JSON findings (${preview ? `"${preview}${text.length > 120 ? '…' : ''}"` : 'empty reply'})`;
  }
  const findings: Finding[] = [];
  let dropped = 0;
  for (const item of list) {
    if (!item || typeof item !== 'object') {
      dropped++;
      continue;
    }
    const o = item as Record<string, unknown>;
    const path = typeof o.path === 'string' ? o.path.replace(/^(\.\/|[ab]\/)/, '') : undefined;
    const message = [o.title, o.message ?? o.body ?? o.comment]
      .filter((x): x is string => typeof x === 'string' && x.trim() !== '')
      .join(': ')
      .trim();
    if (!path || !lines.has(path) || !message) {
      dropped++;
      continue;
    }
    const sevText = typeof o.severity === 'string' ? o.severity.toLowerCase().trim() : '';
    const severity: Severity = (SEVERITIES as string[]).includes(sevText)
      ? (sevText as Severity)
      : (SEVERITY_ALIASES[sevText] ?? 'medium');
    const lineNo = typeof o.line === 'number' ? o.line : typeof o.line === 'string' ? Number(o.line) : NaN;
    const onLine = Number.isInteger(lineNo) && (lines.get(path) as Set<number>).has(lineNo);
    findings.push({
      rule: 'ai/review',
      severity,
      message: message.slice(0, 2000),
      path,
      ...(onLine ? { line: lineNo } : {}),
      source: 'ai',
    });
    if (findings.length >= max) break;
  }
  return { findings, dropped };
}
