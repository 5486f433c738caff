// The Express app factory: every route, no listening (api/main.ts and the stack do that).
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import express, { type Express } from 'express';
import helmet from 'helmet';
import type pg from 'pg';
import { pinoHttp } from 'pino-http';
import type { Config } from '../lib/config';
import type { PrismaClient } from '../lib/db';
import type { Logger } from '../lib/logger';
import { MemoryStore } from '../lib/memory';
import { readiness } from './health';
import { analyticsRouter } from './routes/analytics';
import { sessionsRouter } from './routes/sessions';
import { memoryRouter } from './routes/memory';
import { errorHandler, notFoundHandler } from './problem';

export interface AppDeps {
  config: Config;
  logger: Logger;
  pool: pg.Pool;
  prisma: PrismaClient;
  temporal: Client;
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

export function createApp(deps: AppDeps): Express {
  const app = express();
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
  app.use(helmet());
  app.use(express.json({ limit: '1mb' }));

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', uptimeSeconds: Math.round(process.uptime()) });
  });
  app.get('/readyz', async (_req, res) => {
    const r = await readiness(deps.config, deps.pool, deps.temporal);
    res.status(r.ready ? 200 : 503).json({ status: r.ready ? 'ready' : 'not ready', ...r.checks });
  });

  app.use('/api/claude-flow', analyticsRouter(deps.pool));
  app.use('/api/claude-flow', memoryRouter(new MemoryStore(deps.pool, deps.config.memory)));
  app.use('/api/claude-flow', sessionsRouter(deps));

  app.use(notFoundHandler);
  app.use(errorHandler);
  return app;
}
