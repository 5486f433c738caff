// HTTP metrics per declared route (never the raw path, so the label set stays small) and /metrics.
import type { RequestHandler } from 'express';
import { httpDuration, registry } from '../lib/metrics';
import './request-context';

export const measure: RequestHandler = (req, res, next) => {
  const end = httpDuration.startTimer();
  res.on('finish', () => {
    end({ method: req.method, route: req.routeSpec?.path ?? 'undeclared', status: String(res.statusCode) });
  });
  next();
};

export const metricsHandler: RequestHandler = async (_req, res) => {
  res.type(registry.contentType).send(await registry.metrics());
};
