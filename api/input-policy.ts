// One input policy at the API border, before any route: what no route may receive, whatever its
// schema (the rules: lib/input-policy.ts). A request breaking it is a 400 naming the field (a JSON
// pointer into the body, the query parameter, or the path parameter) and what to change: NUL or
// invalid Unicode in the path, the query or a JSON body; a body nested too deep or too large; a
// `__proto__`, `constructor` or `prototype` key. Bodies a route parses itself (webhooks: raw bytes
// under a signature) are not JSON yet and pass; the JSON-lines import applies the rules per line.
import type { Request, RequestHandler } from 'express';
import { ProblemError } from '../lib/errors';
import { RESERVED_KEYS, badText, jsonProblem, type InputProblem } from '../lib/input-policy';
import './request-context';

const shown = (s: string) => JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}…` : s);

/** The first breach in the query (Express's parsed query: strings, arrays of strings, objects). */
function queryProblem(query: unknown): InputProblem | undefined {
  if (!query || typeof query !== 'object') return undefined;
  for (const [name, value] of Object.entries(query as Record<string, unknown>)) {
    const badName = badText(name);
    if (badName) return { in: 'query', field: name, message: `the parameter name ${badName}` };
    if (RESERVED_KEYS.has(name))
      return { in: 'query', field: name, message: `the parameter name ${shown(name)} is not allowed; rename it` };
    const found = jsonProblem(value);
    if (found)
      return {
        in: 'query',
        field: found.field === '/' ? name : `${name}${found.field}`,
        message: found.message,
      };
  }
  return undefined;
}

/** The route's parameter each request path segment falls in (`{path}` spans the rest). */
function segmentNames(req: Request): (segment: number) => string {
  const template = req.routeSpec?.path.split('/') ?? [];
  return (i) => {
    const wildcard = template.indexOf('{path}');
    const t = wildcard !== -1 && i >= wildcard ? '{path}' : template[i];
    return t && /^\{[A-Za-z]+\}$/.test(t) ? t.slice(1, -1) : `segment ${i}`;
  };
}

/** The first breach in the path: a segment that does not decode, or decodes to NUL. */
function pathProblem(req: Request): InputProblem | undefined {
  const segments = req.path.split('/');
  const nameOf = segmentNames(req);
  for (let i = 0; i < segments.length; i++) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(segments[i]);
    } catch {
      return {
        in: 'path',
        field: nameOf(i),
        message: `${shown(segments[i])} is not valid percent-encoded UTF-8; encode the segment with encodeURIComponent`,
      };
    }
    const bad = badText(decoded);
    if (bad) return { in: 'path', field: nameOf(i), message: bad };
  }
  return undefined;
}

function refuse(p: InputProblem): ProblemError {
  const where =
    p.in === 'body'
      ? `body field ${p.field}`
      : p.in === 'query'
        ? `query parameter ${p.field}`
        : `path ${p.field.startsWith('segment ') ? p.field : `parameter ${p.field}`}`;
  return new ProblemError(400, 'Bad Request', `Invalid ${p.in}: the ${where} ${p.message}`, {
    errors: [{ in: p.in, path: p.field, message: p.message }],
  });
}

/** The input policy for every request (after the JSON body parser, before the routes). */
export const inputPolicy: RequestHandler = (req, _res, next) => {
  const p =
    pathProblem(req) ??
    queryProblem(req.query) ??
    (req.body !== undefined && !Buffer.isBuffer(req.body) && typeof req.body === 'object'
      ? (() => {
          const found = jsonProblem(req.body);
          return found && { in: 'body' as const, ...found };
        })()
      : undefined);
  if (p) throw refuse(p);
  next();
};
