// Memory over HTTP. An entry's address is its namespace and key as one path:
// /memory/entries/<namespace>/<key>, where the last segment is the key and everything before it
// the namespace (`/memory/entries/sessions/abc/summary` → namespace `sessions/abc/`, key
// `summary`); a `/` inside a key is sent as %2F. Every failure is a problem+json 4xx naming what is
// wrong, raised before anything is written.
import express, { type Request } from 'express';
import { z } from 'zod';
import type { Config } from '../../lib/config';
import { badRequest, notFound } from '../../lib/errors';
import { MAX_IMPORT_BYTES, MAX_PAGE_SIZE, MAX_SEARCH_LIMIT, SEARCH_MODES, type MemoryStore } from '../../lib/memory';
import { isUnder } from '../../lib/memory/names';
import type { Role } from '../auth/roles';
import { BASE, type RouteSpec } from '../route-spec';
import { parse } from '../validate';

const provenance = z
  .object({
    sessionId: z.string().min(1).max(200),
    workflowId: z.string().min(1).max(400),
    user: z.string().min(1).max(200),
  })
  .partial()
  .strict();

/** One write; `namespace` and `key` come from the path (PUT) or the item (bulk). */
const entryBody = z
  .object({
    value: z.unknown().optional().describe('Any JSON value; a string is stored as text unless valueType is "json"'),
    valueType: z.enum(['json', 'text']).optional(),
    tags: z.array(z.string()).optional(),
    metadata: z.record(z.string(), z.unknown()).optional(),
    ttlSeconds: z.number().optional().describe('Lifetime in seconds (exclusive with expiresAt)'),
    expiresAt: z.string().optional().describe('ISO 8601 time the entry stops existing'),
    expectedVersion: z.number().int().min(0).optional().describe('Write only if the current version is this (0: new)'),
    provenance: provenance.optional(),
  })
  .strict();

const bulkBody = z
  .object({
    entries: z
      .array(entryBody.extend({ namespace: z.string(), key: z.string() }))
      .min(1)
      .max(1000),
  })
  .strict();

const tagList = z
  .string()
  .transform((s) => s.split(',').filter(Boolean))
  .optional()
  .describe('Comma-separated; entries carrying all of them');
const filterQuery = {
  namespace: z.string().optional().describe('Namespace prefix, e.g. code/'),
  tags: tagList,
  from: z.iso.datetime({ offset: true }).optional().describe('Written at or after (ISO 8601)'),
  to: z.iso.datetime({ offset: true }).optional().describe('Written before (ISO 8601)'),
};
const listQuery = z
  .object({
    ...filterQuery,
    cursor: z.string().optional(),
    limit: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).optional(),
  })
  .strict();
const searchQuery = z
  .object({
    ...filterQuery,
    q: z.string(),
    limit: z.coerce.number().int().min(1).max(MAX_SEARCH_LIMIT).optional(),
    mode: z
      .enum(SEARCH_MODES)
      .optional()
      .describe(
        'text (full text and fuzzy keys), semantic (embedding cosine similarity) or hybrid (both, rank-fused); default hybrid when an embedding provider is configured, else text',
      ),
  })
  .strict();
const deleteQuery = z.object({ expectedVersion: z.coerce.number().int().min(0).optional() }).strict();
const transferBody = z
  .object({ from: z.string(), to: z.string(), overwrite: z.boolean().optional(), provenance: provenance.optional() })
  .strict();

const namespacesQuery = z.object({ namespace: z.string().optional() }).strict();

/** Namespace and key from the wildcard segments of an entry path. */
function address(req: Request): { namespace: string; key: string } {
  const raw = (req.params as { path?: string | string[] }).path;
  const segments = Array.isArray(raw) ? raw : String(raw ?? '').split('/');
  return {
    namespace: segments
      .slice(0, -1)
      .map((s) => `${s}/`)
      .join(''),
    key: segments[segments.length - 1] ?? '',
  };
}

/** A namespace from the wildcard segments of a namespace path (`/memory/namespaces/code/x/`). */
function namespacePath(req: Request): string {
  const raw = (req.params as { path?: string | string[] }).path;
  const segments = (Array.isArray(raw) ? raw : String(raw ?? '').split('/')).filter((s) => s !== '');
  return segments.map((s) => `${s}/`).join('');
}

const exportQuery = z.object({ namespace: z.string().optional() }).strict();

/** Segments after `prefix` in the request path, decoded. */
function segmentsAfter(req: Request, prefix: string): string[] {
  const rest = req.path
    .slice(BASE.length + prefix.length)
    .split('/')
    .filter(Boolean);
  return rest.map((s) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  });
}
const sealed = (config: Config, namespace: unknown) =>
  typeof namespace === 'string' && config.memory.sealed.some((p) => isUnder(namespace, p) || isUnder(p, namespace));
/** Admin when the entry path (`/memory/entries/<ns>/<key>`) is in a sealed namespace. */
const sealedEntry =
  (prefix: string) =>
  (req: Request, config: Config): Role | undefined => {
    const segs = segmentsAfter(req, prefix);
    const ns = segs
      .slice(0, -1)
      .map((s) => `${s}/`)
      .join('');
    return ns && config.memory.sealed.some((p) => isUnder(ns, p)) ? 'admin' : undefined;
  };
/** Admin when a namespace filter (query) or the body names a sealed namespace. */
const sealedQuery = (req: Request, config: Config): Role | undefined =>
  sealed(config, (req.query as Record<string, unknown>).namespace) ? 'admin' : undefined;
const sealedBody = (req: Request, config: Config): Role | undefined => {
  const b = (req.body ?? {}) as { from?: unknown; to?: unknown; entries?: { namespace?: unknown }[] };
  const names = [b.from, b.to, ...(Array.isArray(b.entries) ? b.entries.map((e) => e?.namespace) : [])];
  return names.some((n) => sealed(config, n)) ? 'admin' : undefined;
};

/**
 * Memory as this caller may read it: sealed values and metadata in plaintext for admins only,
 * withheld for everyone else, whichever way the request reached them (no namespace filter, a tag).
 */
const readerFor = (req: Request, memory: MemoryStore) =>
  memory.reader({ revealSealed: req.principal?.role === 'admin' });

const M = `${BASE}/memory`;

export const routes: RouteSpec[] = [
  {
    method: 'GET',
    path: `${M}/entries`,
    role: 'viewer',
    escalate: sealedQuery,
    tag: 'memory',
    summary: 'List entries',
    query: listQuery,
    handler: async (req, res, { memory }) => {
      res.json(await readerFor(req, memory).list(parse(listQuery, req.query, 'query')));
    },
  },
  {
    method: 'GET',
    path: `${M}/entries/{path}`,
    role: 'viewer',
    escalate: sealedEntry('/memory/entries'),
    tag: 'memory',
    summary: 'Read one entry (path: namespace/key)',
    handler: async (req, res, { memory }) => {
      const { namespace, key } = address(req);
      const entry = await readerFor(req, memory).get(namespace, key);
      if (!entry) throw notFound(`no entry ${namespace}${key} (it was never written, was deleted, or expired)`);
      res.json(entry);
    },
  },
  {
    method: 'PUT',
    path: `${M}/entries/{path}`,
    role: 'operator',
    escalate: sealedEntry('/memory/entries'),
    tag: 'memory',
    summary: 'Write one entry',
    body: entryBody,
    handler: async (req, res, { memory }) => {
      const body = parse(entryBody, req.body ?? {}, 'body');
      // A missing value stays undefined: the store rejects it with its one message.
      const info = await memory.set({ ...body, value: body.value, ...address(req) });
      res.status(info.version === 1 ? 201 : 200).json(info);
    },
  },
  {
    method: 'DELETE',
    path: `${M}/entries/{path}`,
    role: 'operator',
    escalate: sealedEntry('/memory/entries'),
    tag: 'memory',
    summary: 'Delete one entry',
    query: deleteQuery,
    handler: async (req, res, { memory }) => {
      const { namespace, key } = address(req);
      const q = parse(deleteQuery, req.query, 'query');
      const version = await memory.delete(namespace, key, q);
      if (version === undefined) throw notFound(`no entry ${namespace}${key} to delete`);
      res.status(204).end();
    },
  },
  {
    method: 'GET',
    path: `${M}/versions/{path}`,
    role: 'viewer',
    escalate: sealedEntry('/memory/versions'),
    tag: 'memory',
    summary: 'Kept versions of one entry, newest first',
    handler: async (req, res, { memory }) => {
      const { namespace, key } = address(req);
      const versions = await readerFor(req, memory).versions(namespace, key);
      if (versions.length === 0) throw notFound(`no entry ${namespace}${key}`);
      res.json({ namespace, key, versions });
    },
  },
  {
    method: 'GET',
    path: `${M}/search`,
    role: 'viewer',
    escalate: sealedQuery,
    tag: 'memory',
    summary: 'Ranked full-text search',
    query: searchQuery,
    handler: async (req, res, { memory }) => {
      const q = parse(searchQuery, req.query, 'query');
      const { mode, hits, note } = await readerFor(req, memory).searchResult(q);
      res.json({ query: q.q, mode, hits, ...(note ? { note } : {}) });
    },
  },
  {
    method: 'POST',
    path: `${M}/bulk`,
    role: 'operator',
    escalate: sealedBody,
    tag: 'memory',
    summary: 'Write many entries in one transaction',
    body: bulkBody,
    handler: async (req, res, { memory }) => {
      const body = parse(bulkBody, req.body ?? {}, 'body');
      res.json({ entries: await memory.bulkSet(body.entries.map((e) => ({ ...e, value: e.value }))) });
    },
  },
  {
    method: 'GET',
    path: `${M}/namespaces`,
    role: 'viewer',
    tag: 'memory',
    summary: 'Namespaces with entry counts and sizes',
    query: namespacesQuery,
    handler: async (req, res, { memory }) => {
      const q = parse(namespacesQuery, req.query, 'query');
      res.json({ namespaces: await memory.namespaces(q.namespace) });
    },
  },
  {
    method: 'POST',
    path: `${M}/namespaces/copy`,
    role: 'operator',
    escalate: sealedBody,
    tag: 'memory',
    summary: 'Copy a namespace subtree',
    body: transferBody,
    handler: async (req, res, { memory }) => {
      const b = parse(transferBody, req.body ?? {}, 'body');
      res.json(await memory.copyNamespace(b.from, b.to, b));
    },
  },
  {
    method: 'POST',
    path: `${M}/namespaces/move`,
    role: 'operator',
    escalate: sealedBody,
    tag: 'memory',
    summary: 'Move a namespace subtree',
    body: transferBody,
    handler: async (req, res, { memory }) => {
      const b = parse(transferBody, req.body ?? {}, 'body');
      res.json(await memory.moveNamespace(b.from, b.to, b));
    },
  },
  {
    method: 'DELETE',
    path: `${M}/namespaces/{path}`,
    role: 'admin',
    tag: 'memory',
    summary: 'Clear a namespace and everything under it',
    handler: async (req, res, { memory }) => {
      res.json({ deleted: await memory.clearNamespace(namespacePath(req)) });
    },
  },
  // Export and import can carry sealed namespaces in bulk: admin until they filter by role.
  {
    method: 'GET',
    path: `${M}/export`,
    role: 'admin',
    tag: 'memory',
    summary: 'Export entries as JSONL',
    // JSONL (manifest line, then one line per entry), streamed; see lib/memory/export.ts.
    handler: async (req, res, { memory }) => {
      const q = parse(exportQuery, req.query, 'query');
      const lines = memory.export(q.namespace);
      res.type('application/x-ndjson');
      res.setHeader('Content-Disposition', 'attachment; filename="claude-flow-memory.jsonl"');
      for await (const line of lines) {
        if (!res.write(`${line}\n`)) await new Promise<void>((resolve) => res.once('drain', () => resolve()));
      }
      res.end();
    },
  },
  {
    method: 'POST',
    path: `${M}/import`,
    role: 'admin',
    tag: 'memory',
    summary: 'Import entries from JSONL',
    // The body is an export document sent as application/x-ndjson (or text/plain): parsed here.
    before: [
      express.text({ type: ['application/x-ndjson', 'application/jsonl', 'text/plain'], limit: MAX_IMPORT_BYTES }),
    ],
    handler: async (req, res, { memory }) => {
      if (typeof req.body !== 'string') {
        throw badRequest(
          'send the export document as the request body with Content-Type: application/x-ndjson (one JSON value per line)',
        );
      }
      res.json(await memory.import(req.body));
    },
  },
];
