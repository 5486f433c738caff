// /auth: dashboard logins. POST /auth/login trades an API key for an httpOnly, SameSite=Lax cookie
// (Secure over https) backed by a row in auth_session; logout deletes the row and ends the login's
// live streams. Login and /auth/me give the login's CSRF token (X-CSRF-Token, browser-guard.ts).
import type { Response } from 'express';
import { z } from 'zod';
import { ProblemError } from '../../lib/errors';
import { principalForKey, unauthorized } from '../auth/identify';
import { LOGIN_COOKIE, createLogin, deleteLogin, readCookie } from '../auth/logins';
import { sha256 } from '../auth/secrets';
import { csrfToken } from '../browser-guard';
import { announce } from '../live/access';
import { BASE, type RouteSpec } from '../route-spec';
import { parse } from '../validate';
import '../request-context';

const loginBody = z.object({ key: z.string().min(1).max(500).describe('An API key') }).strict();

function clearCookie(res: Response, secure: boolean): void {
  res.cookie(LOGIN_COOKIE, '', { httpOnly: true, sameSite: 'lax', secure, path: '/', maxAge: 0 });
}

export const routes: RouteSpec[] = [
  {
    method: 'POST',
    path: `${BASE}/auth/login`,
    role: 'public',
    tag: 'auth',
    summary: 'Log in with an API key: sets an httpOnly login cookie',
    body: loginBody,
    handler: async (req, res, { pool, config, authFailures }) => {
      const { key } = parse(loginBody, req.body ?? {}, 'body');
      // Wrong keys count toward the address's lockout, as on every other route (auth/failures.ts).
      await authFailures.admit(req.ip, key);
      const who = await principalForKey(pool, config, key, 'cookie').catch(async (err: unknown) => {
        if (err instanceof ProblemError && err.status === 401) throw (await authFailures.failed(req.ip, key)) ?? err;
        throw err;
      });
      const login = await createLogin(pool, who, config.api.loginHours);
      res.cookie(LOGIN_COOKIE, login.token, {
        httpOnly: true,
        sameSite: 'lax',
        secure: req.secure,
        path: '/',
        expires: login.expiresAt,
      });
      req.principal = { ...who, via: 'cookie' };
      res.json({ name: who.name, role: who.role, expiresAt: login.expiresAt, csrfToken: csrfToken(login.token) });
    },
  },
  {
    method: 'POST',
    path: `${BASE}/auth/logout`,
    role: 'public',
    tag: 'auth',
    summary: 'End the login of this cookie',
    handler: async (req, res, { pool }) => {
      const token = readCookie(req.headers.cookie, LOGIN_COOKIE);
      if (token) {
        await deleteLogin(pool, token);
        // Its live streams end now, on every API copy.
        await announce(pool, { type: 'logout', loginId: sha256(token) });
      }
      clearCookie(res, req.secure);
      res.status(204).end();
    },
  },
  {
    method: 'GET',
    path: `${BASE}/auth/me`,
    role: 'viewer',
    tag: 'auth',
    summary: 'Who the caller is and their role',
    handler: (req, res) => {
      if (!req.principal) throw unauthorized('Not logged in');
      const { actor, name, role, via } = req.principal;
      // A login's CSRF token, for clients that post a simple Content-Type (browser-guard.ts).
      const token = via === 'cookie' ? readCookie(req.headers.cookie, LOGIN_COOKIE) : undefined;
      res.json({ actor, name, role, via, ...(token ? { csrfToken: csrfToken(token) } : {}) });
    },
  },
];
