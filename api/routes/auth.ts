// /auth: dashboard logins. POST /auth/login trades an API key for an httpOnly, SameSite=Lax cookie
// (Secure over https) backed by a row in auth_session; logout deletes the row.
import { Router, type Response } from 'express';
import type pg from 'pg';
import { z } from 'zod';
import type { Config } from '../../lib/config';
import { principalForKey, unauthorized } from '../auth/identify';
import { LOGIN_COOKIE, createLogin, deleteLogin, readCookie } from '../auth/logins';
import { parse } from '../validate';
import '../request-context';

export const loginBody = z.object({ key: z.string().min(1).max(500).describe('An API key') }).strict();

function clearCookie(res: Response, secure: boolean): void {
  res.cookie(LOGIN_COOKIE, '', { httpOnly: true, sameSite: 'lax', secure, path: '/', maxAge: 0 });
}

export function authRouter(deps: { pool: pg.Pool; config: Config }): Router {
  const r = Router();
  r.post('/auth/login', async (req, res) => {
    const { key } = parse(loginBody, req.body ?? {}, 'body');
    const who = await principalForKey(deps.pool, deps.config, key, 'cookie');
    const login = await createLogin(deps.pool, who, deps.config.api.loginHours);
    res.cookie(LOGIN_COOKIE, login.token, {
      httpOnly: true,
      sameSite: 'lax',
      secure: req.secure,
      path: '/',
      expires: login.expiresAt,
    });
    req.principal = { ...who, via: 'cookie' };
    res.json({ name: who.name, role: who.role, expiresAt: login.expiresAt });
  });
  r.post('/auth/logout', async (req, res) => {
    const token = readCookie(req.headers.cookie, LOGIN_COOKIE);
    if (token) await deleteLogin(deps.pool, token);
    clearCookie(res, req.secure);
    res.status(204).end();
  });
  r.get('/auth/me', (req, res) => {
    if (!req.principal) throw unauthorized('Not logged in');
    const { actor, name, role, via } = req.principal;
    res.json({ actor, name, role, via });
  });
  return r;
}
