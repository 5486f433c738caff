// CORS for browsers on other origins: the Temporal Web UI (for the codec endpoint) and the origins
// in CLAUDE_FLOW_CORS_ORIGINS. Credentials (the login cookie) are allowed for those origins only;
// preflights are answered here, before authentication (browsers send no credentials on them).
import type { RequestHandler } from 'express';
import type { Config } from '../lib/config';

/** Origins allowed to call the API from a browser. */
export function allowedOrigins(config: Config): Set<string> {
  return new Set([...config.payloads.uiOrigins, ...config.api.corsOrigins]);
}

/** CORS headers for allowed origins; answers preflight requests with 204. */
export function cors(config: Config): RequestHandler {
  const origins = allowedOrigins(config);
  return (req, res, next) => {
    const origin = req.headers.origin;
    if (!origin || !origins.has(origin)) return next();
    res.setHeader('Access-Control-Allow-Origin', origin);
    res.setHeader('Access-Control-Allow-Credentials', 'true');
    res.setHeader('Vary', 'Origin');
    if (req.method !== 'OPTIONS' || !req.headers['access-control-request-method']) return next();
    res.setHeader('Access-Control-Allow-Methods', 'GET, POST, PUT, DELETE');
    res.setHeader(
      'Access-Control-Allow-Headers',
      req.headers['access-control-request-headers'] ?? 'Authorization, Content-Type, X-Namespace',
    );
    res.setHeader('Access-Control-Max-Age', '600');
    res.status(204).end();
  };
}
