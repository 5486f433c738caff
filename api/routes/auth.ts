// /auth: dashboard logins. POST /auth/login trades an API key for an httpOnly, SameSite=Lax cookie
// (Secure over https) backed by a row in auth_session; logout deletes the row.
import type { Response } from 'express';
import { z } from 'zod';
import { principalForKey, unauthorized } from '../auth/identify';
import { LOGIN_COOKIE, createLogin, deleteLogin, readCookie } from '../auth/logins';
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
    handler: async (req, res, { pool, config }) => {
      const { key } = parse(loginBody, req.body ?? {}, 'body');
      const who = await principalForKey(pool, config, key, 'cookie');
      const login = await createLogin(pool, who, config.api.loginHours);
      res.cookie(LOGIN_COOKIE, login.token, {
        httpOnly: true,
        sameSite: 'lax',
        secure: req.secure,
        path: '/',
        expires: login.expiresAt,
      });
      req.principal = { ...who, via: 'cookie' };
      res.json({ name: who.name, role: who.role, expiresAt: login.expiresAt });
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
      if (token) await deleteLogin(pool, token);
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
      res.json({ actor, name, role, via });
    },
  },
];
