// Prometheus metrics: one registry per process that every part registers into, served at /metrics
// together with the Temporal SDK's (workers/runtime.ts).
import http from 'node:http';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The process's registry; register your own metrics with `registers: [registry]`. */
export const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: 'cf_' });

export const httpDuration = new Histogram({
  name: 'cf_http_request_duration_seconds',
  help: 'API request durations by method, declared route and status',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [registry],
});

export const liveConnections = new Gauge({
  name: 'cf_live_connections',
  help: 'Open live-update connections (WebSocket and SSE)',
  labelNames: ['transport'] as const,
  registers: [registry],
});

export const liveDropped = new Counter({
  name: 'cf_live_dropped_total',
  help: 'Live connections dropped for falling behind',
  labelNames: ['transport'] as const,
  registers: [registry],
});

/** Prometheus endpoints of this process served together with the registry (the Temporal SDK's). */
const merged: string[] = [];

/**
 * Serves the metrics at `url` (Prometheus text, served by this process: workers/runtime.ts binds
 * the Temporal SDK's exporter to a loopback port) with the registry's, at /metrics.
 */
export function serveAlongside(url: string): void {
  if (!merged.includes(url)) merged.push(url);
}

/** The registry's metrics, then those of every endpoint served alongside (their names never clash: `cf_`, `temporal_`). */
export async function metricsText(): Promise<string> {
  const own = await registry.metrics();
  if (merged.length === 0) return own;
  const more = await Promise.all(
    merged.map(async (url) => {
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
        if (res.ok) return await res.text();
        return `# ${url} answered ${res.status}\n`;
      } catch (err) {
        return `# ${url} did not answer: ${(err as Error).message}\n`;
      }
    }),
  );
  return [own, ...more].join('\n');
}

/** A /metrics endpoint of its own, for a process without the API (`npm run worker` with WORKER_METRICS_PORT). */
export async function serveMetrics(host: string, port: number): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Only GET /metrics is served here\n');
      return;
    }
    metricsText().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (err: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${err.message}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'EADDRINUSE'
          ? new Error(`WORKER_METRICS_PORT ${port} on ${host} is already in use: set another port`)
          : err,
      ),
    );
    server.listen(port, host, () => resolve());
  });
  return server;
}
