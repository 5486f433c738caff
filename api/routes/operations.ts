// Operations, outside the API's base path: Prometheus metrics, liveness and readiness.
import os from 'node:os';
import { metricsText, registry } from '../../lib/metrics';
import { readiness } from '../health';
import type { RouteSpec } from '../route-spec';

export const routes: RouteSpec[] = [
  {
    method: 'GET',
    path: '/metrics',
    role: 'viewer',
    tag: 'operations',
    summary: "Prometheus metrics: Claude Flow's and, where a worker runs, the Temporal SDK's",
    handler: async (_req, res) => {
      res.type(registry.contentType).send(await metricsText());
    },
  },
  {
    method: 'GET',
    path: '/healthz',
    role: 'public',
    tag: 'operations',
    summary: 'Liveness',
    handler: (_req, res) => {
      res.json({ status: 'ok', uptimeSeconds: Math.round(process.uptime()) });
    },
  },
  {
    method: 'GET',
    path: '/readyz',
    role: 'public',
    tag: 'operations',
    summary: 'Readiness of Postgres, migrations, Temporal and a worker; which API copy answered and which workers poll',
    handler: async (_req, res, { config, pool, temporal }) => {
      const r = await readiness(config, pool, temporal);
      res.status(r.ready ? 200 : 503).json({
        status: r.ready ? 'ready' : 'not ready',
        ...r.checks,
        // Which copy answered (behind a load balancer), and every worker on the task queue.
        api: { identity: `${process.pid}@${os.hostname()}` },
        workers: r.workers,
      });
    },
  },
];
