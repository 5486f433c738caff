// The Express app factory: every route, no listening (api/server.ts does that and attaches the
// WebSocket endpoint). Order matters: request id and metrics, security headers, CORS, body, route
// match, audit, caller identity, rate limit, role check, then the routes.
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
import { MemoryStore } from '../lib/memory';
import { authorize, identifyCaller, matchRoute } from './access';
import { auditTrail } from './audit';
import { BASE } from './catalog';
import { cors } from './cors';
import { docsPage } from './docs';
import { readiness } from './health';
import { LiveHub } from './live/hub';
import { measure, metricsHandler } from './metrics';
import { openApiDocument } from './openapi';
import { errorHandler, notFoundHandler } from './problem';
import { rateLimit } from './rate-limit';
import { analyticsRouter } from './routes/analytics';
import { auditRouter } from './routes/audit';
import { authRouter } from './routes/auth';
import { codecRouter } from './routes/codec';
import { keysRouter } from './routes/keys';
import { liveRouter, type LiveOptions } from './routes/live';
import { memoryRouter } from './routes/memory';
import { schedulesRouter } from './routes/schedules';
import { sessionsRouter } from './routes/sessions';
import { webhooksRouter } from './routes/webhooks';
import { workflowsRouter } from './routes/workflows';

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
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;
const JSON_TYPE = /^application\/([\w.-]+\+)?json\b/i;

export function createApp(deps: AppDeps): Express {
  const app = express();
  const hub = deps.hub ?? new LiveHub(deps.config.database.url, deps.pool);
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
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
  // Webhook routes verify a signature over the raw bytes, so they parse their own bodies.
  app.use(
    express.json({
      limit: '1mb',
      type: (req) => !req.url?.startsWith(`${BASE}/webhooks/`) && JSON_TYPE.test(req.headers['content-type'] ?? ''),
    }),
  );
  app.use(auditTrail(deps));
  app.use(identifyCaller(deps));
  app.use(rateLimit(deps));
  app.use(authorize(deps.config));

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', uptimeSeconds: Math.round(process.uptime()) });
  });
  app.get('/readyz', async (_req, res) => {
    const r = await readiness(deps.config, deps.pool, deps.temporal);
    res.status(r.ready ? 200 : 503).json({ status: r.ready ? 'ready' : 'not ready', ...r.checks });
  });
  app.get('/metrics', metricsHandler);

  app.get(`${BASE}/openapi.json`, (_req, res) => {
    res.json(openApiDocument());
  });
  app.get(`${BASE}/docs`, (_req, res) => {
    res.type('html').send(docsPage());
  });

  app.use(BASE, authRouter(deps));
  app.use(BASE, keysRouter(deps.pool));
  app.use(BASE, auditRouter(deps.pool));
  app.use(BASE, liveRouter(hub, deps.live));
  app.use(BASE, analyticsRouter(deps.pool));
  app.use(BASE, memoryRouter(deps.memory ?? new MemoryStore(deps.pool, deps.config.memory)));
  app.use(BASE, sessionsRouter(deps));
  app.use(BASE, workflowsRouter(deps));
  app.use(BASE, schedulesRouter(deps));
  app.use(BASE, codecRouter(deps.config, payloadCodec(deps.config.payloads)));
  app.use(BASE, webhooksRouter(deps));

  app.use(notFoundHandler);
  app.use(errorHandler);
  return app;
}
