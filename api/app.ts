// The Express app factory: every route of the catalog, no listening (api/server.ts does that and
// attaches the WebSocket endpoint). Order matters: request id, route match and metrics, security
// headers, CORS, audit, the browser guard (Host, Origin, CSRF), body, the input policy, caller
// identity (with failed-authentication limits), rate limit, role check, then the routes.
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import express, { type Express } from 'express';
import helmet from 'helmet';
import type pg from 'pg';
import { pinoHttp } from 'pino-http';
import { payloadCodec } from '../lib/codec';
import type { Config } from '../lib/config';
import type { PrismaClient } from '../lib/db';
import type { Logger } from '../lib/logger';
import { serverSpanMiddleware } from '../lib/tracing';
import { MemoryStore } from '../lib/memory';
import { authorize, identifyCaller, matchRoute } from './access';
import { auditTrail } from './audit';
import { AuthFailures } from './auth/failures';
import { browserGuard } from './browser-guard';
import { ROUTES } from './catalog';
import { cors } from './cors';
import { inputPolicy } from './input-policy';
import { LiveHub } from './live/hub';
import { measure } from './metrics';
import { errorHandler, notFoundHandler } from './problem';
import { rateLimit } from './rate-limit';
import { BASE, expressPath, type ApiContext, type LiveOptions } from './route-spec';
import { codecCors } from './routes/codec';

export interface AppDeps {
  config: Config;
  logger: Logger;
  pool: pg.Pool;
  prisma: PrismaClient;
  temporal: Client;
  /** This process's live-event hub; one is made (listening lazily) when not given. */
  hub?: LiveHub;
  live?: LiveOptions;
  /** The memory store routes use; startApi gives one with a read cache kept fresh by live events. */
  memory?: MemoryStore;
  /** Failed-authentication limits; startApi gives the one its WebSocket endpoint shares. */
  authFailures?: AuthFailures;
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;
const JSON_TYPE = /^application\/([\w.-]+\+)?json\b/i;

const METHOD = { GET: 'get', POST: 'post', PUT: 'put', DELETE: 'delete' } as const;

export function createApp(deps: AppDeps): Express {
  const app = express();
  const ctx: ApiContext = {
    config: deps.config,
    logger: deps.logger,
    pool: deps.pool,
    prisma: deps.prisma,
    temporal: deps.temporal,
    hub: deps.hub ?? new LiveHub(deps.config.database.url, deps.pool),
    live: deps.live ?? {},
    memory: deps.memory ?? new MemoryStore(deps.pool, deps.config.memory),
    codec: payloadCodec(deps.config.payloads),
    routes: ROUTES,
    authFailures: deps.authFailures ?? new AuthFailures(deps.pool, deps.config),
  };
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  // Tracing (when on): the server span opens here and the request runs in it from the body on.
  const spans = serverSpanMiddleware();
  if (spans) app.use(spans.start);
  app.use(
    pinoHttp({
      logger: deps.logger,
      genReqId(req, res) {
        const given = req.headers['x-request-id'];
        const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
        res.setHeader('X-Request-Id', id);
        return id;
      },
      autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/readyz' },
    }),
  );
  app.use(matchRoute);
  app.use(measure);
  app.use(helmet());
  app.use(cors(deps.config));
  app.use(auditTrail(deps));
  app.use(browserGuard(deps.config));
  // Webhook routes verify a signature over the raw bytes, so they parse their own bodies.
  app.use(
    express.json({
      limit: '1mb',
      type: (req) => !req.url?.startsWith(`${BASE}/webhooks/`) && JSON_TYPE.test(req.headers['content-type'] ?? ''),
    }),
  );
  if (spans) app.use(spans.enter);
  app.use(inputPolicy);
  app.use(identifyCaller({ ...deps, failures: ctx.authFailures }));
  app.use(rateLimit(deps));
  app.use(authorize(deps.config));

  // The Temporal UI calls the codec endpoints from its own origin.
  app.use(`${BASE}/codec`, codecCors(deps.config));
  for (const spec of ROUTES) {
    const { handler } = spec;
    if (!handler) continue; // served outside Express (the WebSocket upgrade)
    app[METHOD[spec.method]](expressPath(spec.path), ...(spec.before ?? []), (req, res) => handler(req, res, ctx));
  }

  app.use(notFoundHandler);
  app.use(errorHandler);
  return app;
}
