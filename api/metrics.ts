// HTTP metrics per declared route (never the raw path, so the label set stays small); GET /metrics
// serves them (routes/operations.ts).
import type { RequestHandler } from 'express';
import { httpDuration } from '../lib/metrics';
import { nameServerSpan } from '../lib/tracing';
import './request-context';

export const measure: RequestHandler = (req, res, next) => {
  const end = httpDuration.startTimer();
  if (req.routeSpec) nameServerSpan(req, req.routeSpec.path);
  res.on('finish', () => {
    end({ method: req.method, route: req.routeSpec?.path ?? 'undeclared', status: String(res.statusCode) });
  });
  next();
};
