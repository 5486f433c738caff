// One route of the API, declared once, next to its handler (api/routes/<area>.ts exports its list).
// catalog.ts concatenates the lists; access control, the audit trail, metrics, the OpenAPI
// document and the app's routing all read that one table. This module holds values no other API
// module defines, and imports types only, so every module may import it without making a circle.
import type { Client } from '@temporalio/client';
import type { Request, RequestHandler, Response } from 'express';
import type pg from 'pg';
import type { z } from 'zod';
import type { AesGcmPayloadCodec } from '../lib/codec';
import type { Config } from '../lib/config';
import type { PrismaClient } from '../lib/db';
import type { Logger } from '../lib/logger';
import type { MemoryStore } from '../lib/memory';
import type { AuthFailures } from './auth/failures';
import type { Role } from './auth/roles';
import type { LiveHub } from './live/hub';

export const BASE = '/api/claude-flow';

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** `public`: no credentials needed (the route checks its own, e.g. a webhook signature). */
export type Access = Role | 'public';

export interface LiveOptions {
  /** Unsent bytes after which a client is dropped. @default 1 MiB */
  maxBufferedBytes?: number;
  /** @default 15000 (SSE comments) / 30000 (WebSocket pings) */
  heartbeatMs?: number;
}

/** What every handler works with: the app's dependencies, made once per app (createApp). */
export interface ApiContext {
  config: Config;
  logger: Logger;
  pool: pg.Pool;
  prisma: PrismaClient;
  temporal: Client;
  hub: LiveHub;
  live: LiveOptions;
  memory: MemoryStore;
  /** The payload codec; undefined when payload encryption is off. */
  codec: AesGcmPayloadCodec | undefined;
  /** Every declared route (the catalog), for the routes that describe the API. */
  routes: readonly RouteSpec[];
  /** Failed-authentication limits (the login route counts its own). */
  authFailures: AuthFailures;
}

export type Handler = (req: Request, res: Response, ctx: ApiContext) => void | Promise<void>;

export interface RouteSpec {
  method: Method;
  /**
   * The path template, OpenAPI style (`{sessionId}`); the app routes its Express form
   * ({@link expressPath}). `{path}` spans several segments (a memory namespace and key).
   */
  path: string;
  /** The least role allowed; `escalate` may raise it for one request. */
  role: Access;
  /** A stricter role for this request (e.g. admin for a sealed memory namespace). */
  escalate?: (req: Request, config: Config) => Role | undefined;
  summary: string;
  /** A longer description for the OpenAPI document. */
  description?: string;
  tag: string;
  query?: z.ZodType;
  body?: z.ZodType;
  /** The success answer, for the OpenAPI document. @default 200 with an undescribed JSON body */
  response?: { status?: number; description?: string; schema: z.ZodType };
  /** Errors this route answers besides the common ones (400, 401, 403, 429), with what each means. */
  errors?: Partial<Record<404 | 409 | 413 | 422 | 503, string>>;
  /**
   * Called by other sites and authenticated by the route itself (a signed webhook): exempt from the
   * Host, Origin and CSRF checks that protect browsers' ambient credentials (browser-guard.ts).
   */
  crossSite?: boolean;
  /** Middleware before the handler: a route that parses its own body (raw bytes, NDJSON). */
  before?: RequestHandler[];
  /** Undefined for a route served outside Express (the WebSocket upgrade at /live, api/live/ws.ts). */
  handler?: Handler;
}

/** The Express form of a path template: `{id}` → `:id`, and `{path}` (several segments) → `*path`. */
export function expressPath(path: string): string {
  return path.replace(/\{([A-Za-z]+)\}/g, (_, name: string) => (name === 'path' ? '*path' : `:${name}`));
}
