// The remote codec endpoint the Temporal Web UI (and `temporal --codec-endpoint`) calls to show
// decrypted payloads: POST /codec/decode and /codec/encode with {"payloads":[{metadata,data}]},
// bytes as base64. CORS admits the configured Temporal UI origins only.
import type { RequestHandler } from 'express';
import { z } from 'zod';
import type { Config } from '../../lib/config';
import { ProblemError, badRequest } from '../../lib/errors';
import { BASE, type Handler, type RouteSpec } from '../route-spec';
import { parse } from '../validate';

const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'base64');
const body = z.object({
  payloads: z
    .array(z.object({ metadata: z.record(z.string(), base64).optional(), data: base64.optional() }))
    .max(10_000),
});

type WirePayload = { metadata?: Record<string, string>; data?: string };

const fromWire = (p: WirePayload) => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
  data: Buffer.from(p.data ?? '', 'base64'),
});
const toWire = (p: { metadata?: Record<string, Uint8Array> | null; data?: Uint8Array | null }): WirePayload => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
  ),
  data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
});

/**
 * CORS for the Temporal UI on every /codec path (the app mounts it): it calls from its own origin,
 * with credentials when configured so.
 */
export function codecCors(config: Config): RequestHandler {
  const origins = config.payloads.uiOrigins;
  return (req, res, next) => {
    const origin = req.headers.origin;
    if (origin && origins.includes(origin)) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Allow-Credentials', 'true');
      res.setHeader('Access-Control-Allow-Headers', 'content-type,x-namespace,authorization');
      res.setHeader('Access-Control-Allow-Methods', 'POST,OPTIONS');
      res.setHeader('Vary', 'Origin');
    }
    if (req.method === 'OPTIONS') {
      res.status(204).end();
      return;
    }
    next();
  };
}

/** Encodes or decodes the posted payloads; 404 when payload encryption is off. */
const run =
  (op: 'encode' | 'decode'): Handler =>
  async (req, res, { codec }) => {
    if (!codec) {
      throw new ProblemError(
        404,
        'Not Found',
        'Payload encryption is off (no CLAUDE_FLOW_PAYLOAD_KEY): payloads are plain JSON',
      );
    }
    const { payloads } = parse(body, req.body, 'body');
    try {
      const out = await codec[op](payloads.map(fromWire));
      res.json({ payloads: out.map(toWire) });
    } catch (err) {
      throw badRequest(`Could not ${op} the payloads: ${(err as Error).message}`);
    }
  };

export const routes: RouteSpec[] = [
  {
    method: 'POST',
    path: `${BASE}/codec/decode`,
    role: 'viewer',
    tag: 'codec',
    summary: 'Decode Temporal payloads',
    handler: run('decode'),
  },
  {
    method: 'POST',
    path: `${BASE}/codec/encode`,
    role: 'operator',
    tag: 'codec',
    summary: 'Encode Temporal payloads',
    handler: run('encode'),
  },
];
