// Unified diffs: parsing (git's full output, or GitHub's per-file patches), which lines a review may
// comment on, chunking by file and hunk within a token budget, and rendering a chunk for a model.
// Pure functions: unit-tested in test/unit/review-checks.test.ts.
import type { ChunkRef } from './types';

export interface DiffLine {
  kind: '+' | '-' | ' ';
  text: string;
  /** Line number on the old side (context and removed lines). */
  oldNo?: number;
  /** Line number on the new side (context and added lines). */
  newNo?: number;
}

export interface Hunk {
  header: string;
  oldStart: number;
  oldLines: number;
  newStart: number;
  newLines: number;
  lines: DiffLine[];
}

export interface DiffFile {
  path: string;
  oldPath?: string;
  status: 'added' | 'modified' | 'removed' | 'renamed';
  binary: boolean;
  /** GitHub sent no patch: a binary file, or a diff too large to show. */
  noPatch?: boolean;
  /** Why its hunks were not kept (a local diff too large to review); counts are still right. */
  skipped?: string;
  hunks: Hunk[];
  additions: number;
  deletions: number;
}

const HUNK_HEADER = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@(.*)$/;

/** Parses the hunks of one file's patch (GitHub's `patch` field, or a part of git's output). */
export function parseHunks(patch: string): Hunk[] {
  const hunks: Hunk[] = [];
  let cur: Hunk | undefined;
  let oldNo = 0;
  let newNo = 0;
  for (const raw of patch.split('\n')) {
    const h = HUNK_HEADER.exec(raw);
    if (h) {
      cur = {
        header: raw,
        oldStart: Number(h[1]),
        oldLines: h[2] === undefined ? 1 : Number(h[2]),
        newStart: Number(h[3]),
        newLines: h[4] === undefined ? 1 : Number(h[4]),
        lines: [],
      };
      hunks.push(cur);
      oldNo = cur.oldStart;
      newNo = cur.newStart;
      continue;
    }
    if (!cur) continue;
    const kind = raw[0];
    const text = raw.slice(1).replace(/\r$/, '');
    if (kind === '+') cur.lines.push({ kind: '+', text, newNo: newNo++ });
    else if (kind === '-') cur.lines.push({ kind: '-', text, oldNo: oldNo++ });
    else if (
      kind === ' ' ||
      (raw === '' && (oldNo < cur.oldStart + cur.oldLines || newNo < cur.newStart + cur.newLines))
    )
      cur.lines.push({ kind: ' ', text, oldNo: oldNo++, newNo: newNo++ });
    // "\ No newline at end of file" and anything else: not a line of either side.
  }
  return hunks;
}

function unquote(p: string): string {
  // git quotes paths with unusual characters: "a/caf\303\251.txt".
  if (!p.startsWith('"')) return p;
  const bytes: number[] = [];
  const body = p.slice(1, -1);
  for (let i = 0; i < body.length; i++) {
    if (body[i] === '\\') {
      const oct = /^[0-7]{3}/.exec(body.slice(i + 1));
      if (oct) {
        bytes.push(parseInt(oct[0], 8));
        i += 3;
        continue;
      }
      const esc: Record<string, string> = { n: '\n', t: '\t', '"': '"', '\\': '\\' };
      bytes.push(...Buffer.from(esc[body[i + 1]] ?? body[i + 1]));
      i += 1;
    } else bytes.push(...Buffer.from(body[i]));
  }
  return Buffer.from(bytes).toString('utf8');
}

const stripPrefix = (p: string) => unquote(p).replace(/^[ab]\//, '');

/** Parses `git diff` output (with `--no-color --no-ext-diff`, rename detection allowed). */
export function parseGitDiff(text: string): DiffFile[] {
  const files: DiffFile[] = [];
  const sections = text.split(/^(?=diff --git )/m).filter((s) => s.startsWith('diff --git '));
  for (const section of sections) {
    const lines = section.split('\n');
    const header = /^diff --git (?:"?a\/(.+?)"?) (?:"?b\/(.+?)"?)$/.exec(lines[0]);
    let oldPath = header ? header[1] : '';
    let newPath = header ? header[2] : '';
    let status: DiffFile['status'] = 'modified';
    let binary = false;
    let i = 1;
    for (; i < lines.length && !lines[i].startsWith('@@'); i++) {
      const l = lines[i];
      if (l.startsWith('new file mode')) status = 'added';
      else if (l.startsWith('deleted file mode')) status = 'removed';
      else if (l.startsWith('rename from ')) {
        oldPath = unquote(l.slice(12));
        status = 'renamed';
      } else if (l.startsWith('rename to ')) newPath = unquote(l.slice(10));
      else if (l.startsWith('Binary files ') || l === 'GIT binary patch') binary = true;
      else if (l.startsWith('--- ') && l !== '--- /dev/null') oldPath = stripPrefix(l.slice(4));
      else if (l.startsWith('+++ ') && l !== '+++ /dev/null') newPath = stripPrefix(l.slice(4));
    }
    const hunks = parseHunks(lines.slice(i).join('\n'));
    const path = status === 'removed' ? oldPath : newPath;
    files.push({
      path,
      ...(status === 'renamed' ? { oldPath } : {}),
      status,
      binary,
      hunks,
      ...countLines(hunks),
    });
  }
  return files;
}

export function countLines(hunks: Hunk[]): { additions: number; deletions: number } {
  let additions = 0;
  let deletions = 0;
  for (const h of hunks)
    for (const l of h.lines) {
      if (l.kind === '+') additions++;
      else if (l.kind === '-') deletions++;
    }
  return { additions, deletions };
}

/** Lines of the new side that appear in the diff (added or context): where GitHub accepts RIGHT-side comments. */
export function commentableLines(file: DiffFile): Set<number> {
  const set = new Set<number>();
  for (const h of file.hunks) for (const l of h.lines) if (l.newNo !== undefined) set.add(l.newNo);
  return set;
}

/** Added lines of a file, as (line, text) pairs. */
export function addedLines(file: DiffFile): { line: number; text: string }[] {
  const out: { line: number; text: string }[] = [];
  for (const h of file.hunks)
    for (const l of h.lines) if (l.kind === '+' && l.newNo !== undefined) out.push({ line: l.newNo, text: l.text });
  return out;
}

/** A rough token count (about four characters a token for code and English). */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

export function renderHunk(h: Hunk): string {
  const body = h.lines.map((l) => {
    const no = l.newNo !== undefined ? String(l.newNo).padStart(5) : '     ';
    return `${no} ${l.kind}${l.text}`;
  });
  return [h.header, ...body].join('\n');
}

/** Files not worth a model's attention: lockfiles, generated and minified code, binaries. */
export function notForAi(file: DiffFile): string | undefined {
  if (file.skipped) return `not reviewed: ${file.skipped}`;
  if (file.noPatch) return 'GitHub sent no patch (a binary file, or a diff too large to show)';
  if (file.binary) return 'binary file';
  if (file.status === 'removed') return 'file removed';
  if (
    /(^|\/)(package-lock\.json|npm-shrinkwrap\.json|yarn\.lock|pnpm-lock\.yaml|Cargo\.lock|go\.sum|poetry\.lock|composer\.lock|Gemfile\.lock)$/.test(
      file.path,
    )
  )
    return 'lockfile';
  if (/\.min\.(js|css)$|\.map$|(^|\/)(dist|vendor|node_modules)\//.test(file.path)) return 'generated or vendored';
  if (file.hunks.length === 0) return 'no textual changes';
  return undefined;
}

/**
 * Groups hunks into chunks of at most `budget` tokens: hunks of one file stay together where they
 * fit, small files share a chunk, and a hunk larger than the budget gets a chunk of its own (its
 * text is cut to the budget when rendered). At most `maxChunks`; the rest are reported as left out.
 */
export function chunkDiff(
  files: DiffFile[],
  budget: number,
  maxChunks: number,
): { chunks: ChunkRef[]; leftOut: { path: string; reason: string }[] } {
  const chunks: ChunkRef[] = [];
  const leftOut: { path: string; reason: string }[] = [];
  let cur: ChunkRef | undefined;
  const push = (path: string, hunk: number, tokens: number) => {
    if (!cur || (cur.tokens + tokens > budget && cur.tokens > 0)) {
      cur = { id: chunks.length + 1, parts: [], tokens: 0 };
      chunks.push(cur);
    }
    const last = cur.parts[cur.parts.length - 1];
    if (last && last.path === path && last.to === hunk) last.to = hunk + 1;
    else cur.parts.push({ path, from: hunk, to: hunk + 1 });
    cur.tokens += tokens;
  };
  for (const file of files) {
    const why = notForAi(file);
    if (why) {
      leftOut.push({ path: file.path, reason: why });
      continue;
    }
    file.hunks.forEach((h, i) => push(file.path, i, estimateTokens(renderHunk(h)) + (i === 0 ? 10 : 0)));
  }
  if (chunks.length > maxChunks) {
    const dropped = new Set(chunks.slice(maxChunks).flatMap((c) => c.parts.map((p) => p.path)));
    for (const path of dropped) leftOut.push({ path, reason: `over the limit of ${maxChunks} AI review chunks` });
    chunks.length = maxChunks;
  }
  for (const c of chunks) c.tokens = Math.min(c.tokens, budget);
  return { chunks, leftOut };
}

/** The text of one chunk for the model, cut to `budget` tokens. */
export function renderChunk(files: DiffFile[], chunk: ChunkRef, budget: number): { text: string; cut: boolean } {
  const byPath = new Map(files.map((f) => [f.path, f]));
  const parts: string[] = [];
  for (const p of chunk.parts) {
    const f = byPath.get(p.path);
    if (!f) continue;
    parts.push(`### ${f.path}${f.oldPath ? ` (renamed from ${f.oldPath})` : ''} [${f.status}]`);
    for (const h of f.hunks.slice(p.from, p.to)) parts.push(renderHunk(h));
  }
  const text = parts.join('\n');
  const max = budget * 4;
  return text.length > max
    ? { text: `${text.slice(0, max)}\n… (cut to the review budget)`, cut: true }
    : { text, cut: false };
}
