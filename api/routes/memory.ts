// Memory over HTTP. An entry's address is its namespace and key as one path:
// /memory/entries/<namespace>/<key>, where the last segment is the key and everything before it
// the namespace (`/memory/entries/sessions/abc/summary` → namespace `sessions/abc/`, key
// `summary`); a `/` inside a key is sent as %2F. Every failure is a problem+json 4xx naming what is
// wrong, raised before anything is written.
import express, { Router, type Request } from 'express';
import { z } from 'zod';
import { badRequest, notFound } from '../../lib/errors';
import { MAX_IMPORT_BYTES, MAX_PAGE_SIZE, MAX_SEARCH_LIMIT, SEARCH_MODES, type MemoryStore } from '../../lib/memory';
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
export const entryBody = z
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

export const bulkBody = z
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
export const listQuery = z
  .object({
    ...filterQuery,
    cursor: z.string().optional(),
    limit: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).optional(),
  })
  .strict();
export const searchQuery = z
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
export const deleteQuery = z.object({ expectedVersion: z.coerce.number().int().min(0).optional() }).strict();
export const transferBody = z
  .object({ from: z.string(), to: z.string(), overwrite: z.boolean().optional(), provenance: provenance.optional() })
  .strict();

export const namespacesQuery = z.object({ namespace: z.string().optional() }).strict();

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

export function memoryRouter(store: MemoryStore): Router {
  const r = Router();

  r.get('/memory/entries', async (req, res) => {
    res.json(await store.list(parse(listQuery, req.query, 'query')));
  });
  r.get('/memory/entries/*path', async (req, res) => {
    const { namespace, key } = address(req);
    const entry = await store.get(namespace, key);
    if (!entry) throw notFound(`no entry ${namespace}${key} (it was never written, was deleted, or expired)`);
    res.json(entry);
  });
  r.put('/memory/entries/*path', async (req, res) => {
    const body = parse(entryBody, req.body ?? {}, 'body');
    // A missing value stays undefined: the store rejects it with its one message.
    const info = await store.set({ ...body, value: body.value, ...address(req) });
    res.status(info.version === 1 ? 201 : 200).json(info);
  });
  r.delete('/memory/entries/*path', async (req, res) => {
    const { namespace, key } = address(req);
    const q = parse(deleteQuery, req.query, 'query');
    const version = await store.delete(namespace, key, q);
    if (version === undefined) throw notFound(`no entry ${namespace}${key} to delete`);
    res.status(204).end();
  });
  r.get('/memory/versions/*path', async (req, res) => {
    const { namespace, key } = address(req);
    const versions = await store.versions(namespace, key);
    if (versions.length === 0) throw notFound(`no entry ${namespace}${key}`);
    res.json({ namespace, key, versions });
  });
  r.get('/memory/search', async (req, res) => {
    const q = parse(searchQuery, req.query, 'query');
    const { mode, hits, note } = await store.searchResult(q);
    res.json({ query: q.q, mode, hits, ...(note ? { note } : {}) });
  });
  r.post('/memory/bulk', async (req, res) => {
    const body = parse(bulkBody, req.body ?? {}, 'body');
    res.json({ entries: await store.bulkSet(body.entries.map((e) => ({ ...e, value: e.value }))) });
  });
  r.get('/memory/namespaces', async (req, res) => {
    const q = parse(namespacesQuery, req.query, 'query');
    res.json({ namespaces: await store.namespaces(q.namespace) });
  });
  r.post('/memory/namespaces/copy', async (req, res) => {
    const b = parse(transferBody, req.body ?? {}, 'body');
    res.json(await store.copyNamespace(b.from, b.to, b));
  });
  r.post('/memory/namespaces/move', async (req, res) => {
    const b = parse(transferBody, req.body ?? {}, 'body');
    res.json(await store.moveNamespace(b.from, b.to, b));
  });
  // Export: JSONL (manifest line, then one line per entry), streamed; see lib/memory/export.ts.
  r.get('/memory/export', async (req, res) => {
    const q = parse(z.object({ namespace: z.string().optional() }).strict(), req.query, 'query');
    const lines = store.export(q.namespace);
    res.type('application/x-ndjson');
    res.setHeader('Content-Disposition', 'attachment; filename="claude-flow-memory.jsonl"');
    for await (const line of lines) {
      if (!res.write(`${line}\n`)) await new Promise<void>((resolve) => res.once('drain', () => resolve()));
    }
    res.end();
  });
  // Import: the body is an export document sent as application/x-ndjson (or text/plain).
  r.post(
    '/memory/import',
    express.text({ type: ['application/x-ndjson', 'application/jsonl', 'text/plain'], limit: MAX_IMPORT_BYTES }),
    async (req, res) => {
      if (typeof req.body !== 'string') {
        throw badRequest(
          'send the export document as the request body with Content-Type: application/x-ndjson (one JSON value per line)',
        );
      }
      res.json(await store.import(req.body));
    },
  );
  r.delete('/memory/namespaces/*path', async (req, res) => {
    res.json({ deleted: await store.clearNamespace(namespacePath(req)) });
  });
  return r;
}
