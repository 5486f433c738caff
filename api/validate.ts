// Request validation with zod: a failure becomes a 400 naming each bad field and what it expects.
import type { z } from 'zod';
import { badRequest } from '../lib/errors';

export function parse<T extends z.ZodType>(schema: T, value: unknown, where: 'query' | 'body' | 'path'): z.output<T> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const problems = r.error.issues.map((i) => {
    const field = i.path.length ? i.path.join('.') : where;
    return `${field}: ${i.message}`;
  });
  throw badRequest(`Invalid ${where}: ${problems.join('; ')}`, {
    errors: r.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
  });
}

/** PostgreSQL text cannot hold U+0000: a string bound for a query must be refused here (400), not by the database (500). */
export const withoutNul = <T extends z.ZodString>(s: T) =>
  s.refine((v) => !v.includes('\0'), 'must not contain the NUL character (U+0000)');
