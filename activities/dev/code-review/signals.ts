// Size and complexity signals of a change: large changes are hard to review, deeply nested or
// heavily branching new code is hard to get right. Low-severity hints, located where they apply.
import type { Finding } from '../../../workflows/contract/findings';
import type { DiffFile } from './diff';

export const SIGNAL_LIMITS = {
  /** Changed lines in one file. */
  fileLines: 400,
  /** Changed lines in the whole change. */
  totalLines: 1000,
  /** Files in the whole change. */
  files: 50,
  /** Leading indentation (columns, a tab counting 4) of an added line. */
  indentColumns: 24,
  /** Branch points (if, for, while, case, catch, &&, ||, ?:) among one hunk's added lines. */
  branches: 15,
};

const BRANCH = /\b(if|for|while|case|catch|elif|except)\b|&&|\|\||\?(?![.?:])/g;

export function sizeAndComplexity(files: DiffFile[], limits = SIGNAL_LIMITS): Finding[] {
  const out: Finding[] = [];
  const total = files.reduce((n, f) => n + f.additions + f.deletions, 0);
  if (total > limits.totalLines || files.length > limits.files) {
    out.push({
      rule: 'size/large-change',
      severity: 'low',
      source: 'static',
      message: `This change touches ${files.length} files and ${total} lines; changes over ${limits.totalLines} lines or ${limits.files} files are hard to review well. Consider splitting it.`,
    });
  }
  for (const f of files) {
    if (f.binary) continue;
    const lines = f.additions + f.deletions;
    if (lines > limits.fileLines && f.status !== 'removed') {
      out.push({
        rule: 'size/large-file-change',
        severity: 'info',
        source: 'static',
        path: f.path,
        message: `${lines} changed lines in this file (over ${limits.fileLines}).`,
      });
    }
    for (const h of f.hunks) {
      const added = h.lines.filter((l) => l.kind === '+' && l.newNo !== undefined);
      const deep = added.find((l) => {
        const indent = /^[\t ]*/.exec(l.text)?.[0] ?? '';
        return l.text.trim() !== '' && indent.replace(/\t/g, '    ').length >= limits.indentColumns;
      });
      if (deep) {
        out.push({
          rule: 'complexity/deep-nesting',
          severity: 'low',
          source: 'static',
          path: f.path,
          line: deep.newNo,
          message: `Deeply nested code (indented ${(/^[\t ]*/.exec(deep.text)?.[0] ?? '').replace(/\t/g, '    ').length} columns): consider early returns or extracting a function.`,
        });
      }
      const branches = added.reduce((n, l) => n + (l.text.replace(/(["'`]).*?\1/g, '').match(BRANCH)?.length ?? 0), 0);
      if (branches > limits.branches && added[0]) {
        out.push({
          rule: 'complexity/branching',
          severity: 'low',
          source: 'static',
          path: f.path,
          line: added[0].newNo,
          message: `${branches} branch points in ${added.length} added lines: this is hard to test; consider splitting it up.`,
        });
      }
    }
  }
  return out;
}
