// What every report parser shares: the error they throw, bounded messages, and how a case is named
// and its file made relative to the repository.
import path from 'node:path';
import type { CaseStatus, TestCase } from '../types';

export class ReportError extends Error {}

/** What a parser may know of where the report came from. */
export interface ParseOptions {
  /** The repository (the command's working directory): absolute files inside it become relative. */
  root?: string;
  /** Whether a path relative to `root` is a file (pytest's classnames are resolved to node ids). */
  isFile?: (relative: string) => boolean;
}

export const SEP = ' > ';
const MESSAGE_LINES = 20;
const MESSAGE_CHARS = 2_000;

/** The first lines of a failure message, bounded. */
export function shortMessage(text: string | undefined): string {
  const t = (text ?? '').trim();
  const lines = t.split('\n').slice(0, MESSAGE_LINES).join('\n');
  return lines.length > MESSAGE_CHARS ? `${lines.slice(0, MESSAGE_CHARS)}…` : lines;
}

/** `file` relative to `root` when it is inside it, else as given. */
export function relativeFile(file: string | undefined, root: string | undefined): string | undefined {
  if (!file) return undefined;
  if (!root || !path.isAbsolute(file)) return file;
  const rel = path.relative(root, file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
}

export interface CaseParts {
  title: string;
  suites: string[];
  status: CaseStatus;
  file?: string;
  message?: string;
  durationMs?: number;
  /** A name in the runner's own notation (pytest node ids); else file, suites and title. */
  name?: string;
}

/** A TestCase from its parts, named by its full path. */
export function testCase(p: CaseParts): TestCase {
  return {
    name: p.name ?? [p.file, ...p.suites, p.title].filter((x) => x !== undefined && x !== '').join(SEP),
    title: p.title,
    suites: p.suites,
    status: p.status,
    ...(p.status === 'failed' ? { message: shortMessage(p.message) || 'failed' } : {}),
    ...(p.file ? { file: p.file } : {}),
    ...(p.durationMs !== undefined && Number.isFinite(p.durationMs) ? { durationMs: Math.round(p.durationMs) } : {}),
  };
}
