// Prometheus metrics: one registry per process that every part registers into, served at /metrics.
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
