// Input fields several workflow types share. Pure (workflow code parses inputs with these too), so
// paths are checked as the POSIX paths of the worker machine, without node:path.
import { z } from 'zod';

/** A GitHub repository, `owner/name`. */
export const REPO = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;

/** An absolute http(s) URL that the runtime can parse; `message` and `invalid` say what to fix. */
export const httpUrl = (message: string, invalid: string) =>
  z
    .string()
    .regex(/^https?:\/\/\S+$/, message)
    .refine((u) => URL.canParse(u), invalid);

/** An absolute POSIX path: it starts with "/". */
export const isAbsolutePath = (p: string): boolean => p.startsWith('/');

/**
 * A relative path that stays inside the directory it is relative to: not absolute, and no `..`
 * climbs above its start (`a/../b` stays inside, `a/../../b` does not).
 */
export function staysInside(p: string): boolean {
  if (isAbsolutePath(p)) return false;
  let depth = 0;
  for (const segment of p.split('/')) {
    if (segment === '..') depth--;
    else if (segment !== '' && segment !== '.') depth++;
    if (depth < 0) return false;
  }
  return true;
}

/** The absolute path of a repository on the worker machine. */
export const repoPath = z
  .string()
  .min(1, 'path is required: the absolute path of the repository, e.g. /home/me/project')
  .max(4_096)
  .refine(isAbsolutePath, 'path must be absolute, e.g. /home/me/project')
  .refine((p) => !p.includes('\0'), 'path must not contain NUL bytes')
  .describe('Absolute path of the repository on the worker machine');

/** Milliseconds between 1 second and `maxHours` hours. */
export const durationMs = (what: string, maxHours: number) =>
  z
    .number()
    .int(`${what} is whole milliseconds`)
    .min(1_000, `${what} must be at least 1000 (1 second)`)
    .max(maxHours * 3_600_000, `${what} must be at most ${maxHours * 3_600_000} (${maxHours} hours)`);
