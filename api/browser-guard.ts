// What keeps web pages from using a browser's ambient authority against the API: the local admin of
// no-key mode (anything that can reach 127.0.0.1) and the login cookie.
//
// - No-key mode (no CLAUDE_FLOW_API_KEY): the Host must be a loopback name (127.0.0.1, localhost,
//   [::1], any port). A page on another name that DNS-rebinds it to 127.0.0.1 sends its own name
//   as Host (browsers do not let pages set Host), so it cannot read what the local admin sees.
// - Origin, when sent, must be the API's own (same host and port as the request) or one allowed in
//   CLAUDE_FLOW_CORS_ORIGINS / the Temporal UI's. Browsers send it on every cross-origin request,
//   every POST and every WebSocket; `null` (sandboxes, file:) is nobody's.
// - CSRF: a mutating request (POST, PUT, PATCH, DELETE) must not look like something a cross-site
//   HTML form or a no-cors fetch can send: its Content-Type must not be a CORS-safelisted one
//   (application/x-www-form-urlencoded, multipart/form-data, text/plain), and a body needs a
//   Content-Type. A body-less request without one passes (curl -X POST …/trigger): a browser
//   sends Origin with it, checked above. A cookie login may send X-CSRF-Token instead (from the
//   login response or GET /auth/me), for clients that must post a simple type.
//
// In no-key mode every request is checked; with keys, only those that authenticate with the login
// cookie (a bearer key is not ambient: a page cannot add it to a cross-site request). Routes that
// other sites call and that authenticate themselves (signed webhooks: RouteSpec.crossSite) are not
// checked.
import type { IncomingMessage } from 'node:http';
import type { RequestHandler } from 'express';
import type { Config } from '../lib/config';
import { ProblemError } from '../lib/errors';
import { LOGIN_COOKIE, readCookie } from './auth/logins';
import { sameSecret, sha256 } from './auth/secrets';
import { allowedOrigins } from './cors';
import './request-context';

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** A loopback host name with an optional port: what a browser sends as Host for a page on this machine. */
const LOOPBACK_HOST = /^(localhost|127(\.\d{1,3}){3}|\[::1\])(:\d{1,5})?$/i;
/** The Content-Types a page may send across sites without a preflight. */
const SIMPLE_TYPE = /^\s*(application\/x-www-form-urlencoded|multipart\/form-data|text\/plain)\s*(;|$)/i;

/** The header a cookie login may send instead of a non-simple Content-Type. */
export const CSRF_HEADER = 'x-csrf-token';

/** The CSRF token of a login: derived from its cookie, so every API copy can check it without state. */
export function csrfToken(loginToken: string): string {
  return sha256(`cf-csrf\0${loginToken}`);
}

/** Where this API says it can be opened, for messages. */
export function ownUrl(config: Config): string {
  const h = config.api.host.includes(':') ? `[${config.api.host}]` : config.api.host;
  const host = h === '0.0.0.0' || h === '[::]' ? '127.0.0.1' : h;
  return `http://${host}:${config.api.port}`;
}

const forbidden = (detail: string, reason: string) => new ProblemError(403, 'Forbidden', detail, { reason });

export interface BrowserRequest {
  method: string;
  /** The Host header as sent (no-key mode checks it). */
  host: string | undefined;
  /** The host the API is known by: the Host header, or X-Forwarded-Host from a trusted proxy. */
  publicHost: string | undefined;
  origin: string | undefined;
  contentType: string | undefined;
  hasBody: boolean;
  cookie: string | undefined;
  /** An Authorization header was sent: it, not the cookie, authenticates the request. */
  authorization: boolean;
  csrf: string | undefined;
}

/** Why the request is refused, or undefined; `config.api.apiKey` decides which checks apply. */
export function browserProblem(r: BrowserRequest, config: Config): ProblemError | undefined {
  const noKey = !config.api.apiKey;
  const loginToken = r.authorization ? undefined : readCookie(r.cookie, LOGIN_COOKIE);
  if (!noKey && loginToken === undefined) return undefined;
  if (noKey && !(r.host && LOOPBACK_HOST.test(r.host))) {
    return forbidden(
      `Host ${r.host ? r.host.replace(/:\d+$/, '') : '(none)'} is not this API's: without an API key it answers ` +
        `only to 127.0.0.1, localhost and [::1]; open it at ${ownUrl(config)} (or set CLAUDE_FLOW_API_KEY to serve other names)`,
      'host',
    );
  }
  if (r.origin !== undefined) {
    const own = sameHost(r.origin, noKey ? r.host : r.publicHost);
    if (!own && !allowedOrigins(config).has(r.origin)) {
      return forbidden(
        `Origin ${r.origin} may not call this API${noKey ? ' (no-key mode: only pages of the API itself)' : ' with its login cookie'}; ` +
          `open the page at ${noKey ? ownUrl(config) : 'the API’s own address'}, or add the origin to CLAUDE_FLOW_CORS_ORIGINS`,
        'origin',
      );
    }
  }
  if (!MUTATING.has(r.method)) return undefined;
  if (loginToken !== undefined && r.csrf !== undefined) {
    if (sameSecret(r.csrf, csrfToken(loginToken))) return undefined;
    return forbidden(
      'X-CSRF-Token does not belong to this login: use the csrfToken from POST /auth/login or GET /auth/me',
      'csrf',
    );
  }
  const type = r.contentType?.trim() ? r.contentType : undefined;
  const simple = type !== undefined && SIMPLE_TYPE.test(type);
  if (simple || (type === undefined && r.hasBody)) {
    return forbidden(
      `A ${r.method} ${type ? `with Content-Type ${type.split(';')[0].trim()}` : 'with a body and no Content-Type'} ` +
        `is what a cross-site form can send, so it is refused${noKey ? ' without an API key' : ' with a login cookie'}: ` +
        `send Content-Type: application/json${loginToken !== undefined ? ' or the X-CSRF-Token header (from GET /auth/me)' : ''}`,
      'csrf',
    );
  }
  return undefined;
}

/** True when `origin` (scheme://host[:port]) names `host` (host[:port]). */
function sameHost(origin: string, host: string | undefined): boolean {
  if (!host) return false;
  try {
    return new URL(origin).host.toLowerCase() === new URL(`http://${host}`).host.toLowerCase();
  } catch {
    return false;
  }
}

const header = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

/** The facts {@link browserProblem} needs, from a raw request (HTTP or a WebSocket upgrade). */
export function browserRequest(req: IncomingMessage, publicHost?: string): BrowserRequest {
  const h = req.headers;
  const length = Number(header(h['content-length']) ?? 0);
  return {
    method: req.method ?? 'GET',
    host: header(h.host),
    publicHost: publicHost ?? header(h.host),
    origin: header(h.origin),
    contentType: header(h['content-type']),
    hasBody: h['transfer-encoding'] !== undefined || (Number.isFinite(length) && length > 0),
    cookie: header(h.cookie),
    authorization: h.authorization !== undefined,
    csrf: header(h[CSRF_HEADER]),
  };
}

/** The guard for every HTTP request (before the body parser: a refused request is not read). */
export function browserGuard(config: Config): RequestHandler {
  return (req, _res, next) => {
    if (req.method === 'OPTIONS' || req.routeSpec?.crossSite) return next();
    const p = browserProblem(browserRequest(req, req.host), config);
    if (p) throw p;
    next();
  };
}
