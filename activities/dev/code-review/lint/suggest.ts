// A linter's fix (text edits by offset) as a Suggestion: the whole lines it touches, as they read
// after the edits. Pure: unit-tested in test/unit/review-lint.test.ts.
import type { Suggestion } from '../../../../workflows/contract/findings';

/** Replace `source.slice(start, end)` with `text` (offsets into the string). */
export interface Edit {
  start: number;
  end: number;
  text: string;
}

/** Offsets where each line starts (line 1 at index 0). */
export function lineStarts(source: string): number[] {
  const starts = [0];
  for (let i = source.indexOf('\n'); i !== -1; i = source.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

/** The 1-based line an offset is on. */
function lineAt(starts: number[], offset: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo + 1;
}

/** The string offset of 1-based `row` and `column` (columns count characters, as ruff's do). */
export function offsetAt(source: string, starts: number[], row: number, column: number): number {
  if (row > starts.length) return source.length;
  // Code points, not UTF-16 units: step over the line's characters.
  let i = starts[row - 1];
  for (let c = 1; c < column && i < source.length && source[i] !== '\n'; c++) {
    i += (source.codePointAt(i) ?? 0) > 0xffff ? 2 : 1;
  }
  return i;
}

/** The string offset of a UTF-8 byte offset (go vet counts bytes). */
export function offsetOfByte(source: string, byte: number): number {
  return Buffer.from(source, 'utf8').subarray(0, byte).toString('utf8').length;
}

/** The lines the edits touch, rewritten; undefined when there is nothing to suggest. */
export function suggestionFrom(source: string, edits: Edit[], description?: string): Suggestion | undefined {
  if (edits.length === 0) return undefined;
  const sorted = [...edits].sort((a, b) => a.start - b.start);
  for (let i = 1; i < sorted.length; i++) if (sorted[i].start < sorted[i - 1].end) return undefined;
  const starts = lineStarts(source);
  const from = sorted[0].start;
  const to = sorted[sorted.length - 1].end;
  const line = lineAt(starts, from);
  // An edit that ends at a line start (after the newline) touches the line before it only.
  let endLine = lineAt(starts, to > from && source[to - 1] === '\n' ? to - 1 : to);
  if (endLine < line) endLine = line;
  const spanStart = starts[line - 1];
  const nextStart = starts[endLine] ?? source.length + 1;
  const spanEnd = Math.max(to, nextStart - 1);
  let rewritten = source.slice(spanStart, from);
  let at = from;
  for (const e of sorted) {
    rewritten += source.slice(at, e.start) + e.text;
    at = e.end;
  }
  rewritten += source.slice(at, Math.min(spanEnd, source.length));
  const before = source.slice(spanStart, Math.min(spanEnd, source.length));
  if (rewritten === before) return undefined;
  // Whole lines removed with their newline: the suggestion deletes them.
  const text = rewritten.endsWith('\n') ? rewritten.slice(0, -1) : rewritten;
  return { line, endLine, text, ...(description ? { description } : {}) };
}
