// Authentication and role checks for every request, driven by the route table (catalog.ts).
// 401: no credentials where some are needed, or bad credentials anywhere. 403: the caller's role
// is below the route's. A path not in the table needs admin, so a route added without a declared
// role is closed, not open.
import type { RequestHandler } from 'express';
import type pg from 'pg';
import type { Config } from '../lib/config';
import { ProblemError } from '../lib/errors';
import type { AuthFailures } from './auth/failures';
import { identify, unauthorized } from './auth/identify';
import { allows, type Role } from './auth/roles';
import { routeFor } from './catalog';
import './request-context';

/** Sets `req.routeSpec`; cheap, so metrics and the audit trail can name the route. */
export const matchRoute: RequestHandler = (req, _res, next) => {
  req.routeSpec = routeFor(req.method, req.path);
  next();
};

export function forbidden(need: Role, have: Role): ProblemError {
  return new ProblemError(
    403,
    'Forbidden',
    `This needs the ${need} role; your key has the ${have} role. Ask an admin for a key with the ${need} role.`,
    { requiredRole: need, role: have },
  );
}

/**
 * Identifies the caller into `req.principal`: a 401 for credentials that are given but wrong, a 429
 * for an address locked out by failed authentications (api/auth/failures.ts).
 */
export function identifyCaller(deps: {
  pool: Pick<pg.Pool, 'query'>;
  config: Config;
  failures?: AuthFailures;
}): RequestHandler {
  return async (req, _res, next) => {
    if (req.method === 'OPTIONS') return next();
    const live = req.routeSpec?.tag === 'live';
    if (req.routeSpec?.role === 'public') {
      // A stale cookie must not stop anyone from logging in again: public routes ignore bad
      // credentials, and so do not count them as failures (the login route counts its own).
      const unlimited = { pool: deps.pool, config: deps.config };
      req.principal = await identify(req, req.ip, unlimited, { allowQueryKey: live }).catch(() => undefined);
      return next();
    }
    req.principal = await identify(req, req.ip, deps, { allowQueryKey: live });
    next();
  };
}

/** Enforces the route's role on `req.principal` (after {@link identifyCaller}). */
export function authorize(config: Config): RequestHandler {
  return (req, _res, next) => {
    const spec = req.routeSpec;
    if (req.method === 'OPTIONS' || spec?.role === 'public') return next();
    if (!req.principal) throw unauthorized('This needs an API key: send Authorization: Bearer <key>');
    const base: Role = spec ? spec.role : 'admin';
    const escalated = spec?.escalate?.(req, config);
    const need = escalated && allows(escalated, base) ? escalated : base;
    if (!allows(req.principal.role, need)) throw forbidden(need, req.principal.role);
    next();
  };
}
