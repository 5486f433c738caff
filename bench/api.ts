// bench/api: the API's read and write routes against the same work through bare `pg` and
// `node:http`, at equal concurrency, interleaved in one run, with the rate limiter on (limits set
// high enough that it counts every request but refuses none). Target (DESIGN §6): >= 0.5x the
// bare throughput.
//
//   read:  GET /api/claude-flow/sessions (count + the 50 most recent of 2,000 projection rows)
//          vs the same two queries through pg, answered as JSON by node:http
//   write: PUT /api/claude-flow/memory/entries/bench/<key> (the memory store's write: one
//          transaction with the upsert, a kept version, pruning and a live event; and the audit row)
//          vs the same statements written out through pg ("bare": the upsert with its search vector,
//          the kept version and pruning, the live event),
//          and vs the store's own statements behind node:http ("store": the HTTP layer's share)
//
//   npx tsx bench/api.ts [seconds=8] [connections=50] [rounds=2] [rateLimit=10000000; 0: off]
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import autocannon from 'autocannon';
import { createApp } from '../api/app';
import { findProjectRoot, loadConfig } from '../lib/config';
import { createPool, createPrisma } from '../lib/db';
import { MemoryStore } from '../lib/memory';
import { createLogger } from '../lib/logger';
import { applyMigrations, migrationsDir } from '../lib/migrations';
import { startEmbeddedPostgres } from '../stack/postgres';
import { freePort } from '../stack/temporal-server';

const SECONDS = Number(process.argv[2] ?? 8);
const CONNECTIONS = Number(process.argv[3] ?? 50);
const ROUNDS = Number(process.argv[4] ?? 2);
/** Requests per window for the limiter; 0 turns it off (to see its share). */
const RATE_LIMIT = process.argv[5] ?? '10000000';
const SESSIONS = 2_000;

const listen = (server: http.Server) =>
  new Promise<string>((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)),
  );

interface Run {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

async function load(opts: {
  url: string;
  method: 'GET' | 'PUT';
  /** The request path of the i-th request (writes cycle over keys). */
  path?: (i: number) => string;
  body?: (i: number) => string;
}): Promise<Run> {
  let i = 0;
  const r = await autocannon({
    url: opts.url,
    method: opts.method,
    connections: CONNECTIONS,
    duration: SECONDS,
    headers: { 'content-type': 'application/json' },
    requests: [
      {
        method: opts.method,
        setupRequest: (req) => {
          const n = i++;
          return {
            ...req,
            ...(opts.path ? { path: opts.path(n) } : {}),
            ...(opts.body ? { body: opts.body(n) } : {}),
          };
        },
      },
    ],
  });
  return {
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    errors: r.errors + r.timeouts + r.non2xx,
  };
}

async function main() {
  const root = findProjectRoot();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cf-bench-api-'));
  fs.chmodSync(tmp, 0o755);
  const pg = await startEmbeddedPostgres(root, {
    dataDir: path.join(tmp, 'pg'),
    port: await freePort(),
    logFile: path.join(tmp, 'postgres.log'),
  });
  try {
    await applyMigrations(pg.url, migrationsDir(root));
    const config = loadConfig({
      env: {
        DATABASE_URL: pg.url,
        LOG_LEVEL: 'error',
        CLAUDE_FLOW_RATE_LIMIT_PER_IP: RATE_LIMIT,
        CLAUDE_FLOW_RATE_LIMIT_PER_KEY: RATE_LIMIT,
      },
    });
    const poolSize = config.database.poolSize;
    const pool = createPool(pg.url, poolSize);
    const prisma = createPrisma(pg.url, poolSize);
    await pool.query(
      `INSERT INTO session (id, title, owner, status, created_at, last_activity_at, message_count)
       SELECT 's' || i, 'Session ' || i, 'local', 'active', now() - i * interval '1 minute',
              now() - i * interval '1 minute', i % 40 FROM generate_series(1, $1) AS i`,
      [SESSIONS],
    );
    // The session routes used here never reach Temporal: a lazy connection to nowhere is enough.
    const temporal = new Client({ connection: Connection.lazy({ address: `127.0.0.1:${await freePort()}` }) });
    const app = createApp({ config, logger: createLogger(config), pool, prisma, temporal });
    const apiServer = http.createServer(app);
    const apiUrl = await listen(apiServer);

    const barePool = createPool(pg.url, poolSize);
    const bare = http.createServer((req, res) => {
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (req.method === 'GET') {
        void Promise.all([
          barePool.query('SELECT count(*)::int AS n FROM session'),
          barePool.query('SELECT * FROM session ORDER BY last_activity_at DESC LIMIT 50'),
        ]).then(([c, rows]) => send(200, { total: c.rows[0].n, sessions: rows.rows }));
        return;
      }
      let text = '';
      req.on('data', (c: Buffer) => (text += c.toString()));
      req.on('end', () => {
        const key = decodeURIComponent(req.url?.split('/').pop() ?? 'k');
        const { value } = JSON.parse(text) as { value: string };
        void (async () => {
          const c = await barePool.connect();
          try {
            await c.query('BEGIN');
            const r = await c.query<{ id: string; version: number }>(
              // The statements the store runs for this write, written out: the entry with its search
              // vector, its kept version (and pruning), and the change as a live event.
              `INSERT INTO memory_entry (namespace, key, value_type, value, compressed, size, stored_size, tags, metadata, version, search_vector)
               VALUES ('bare/', $1, 'text', $2, false, $3, $3, '{}', '{}', 1,
                       setweight(to_tsvector('english', $1), 'A') || setweight(to_tsvector('english', $4), 'C'))
               ON CONFLICT (namespace, key) DO UPDATE SET value = EXCLUDED.value, version = memory_entry.version + 1,
                 search_vector = EXCLUDED.search_vector, updated_at = now()
               RETURNING id, version`,
              [key, Buffer.from(value), Buffer.byteLength(value), value],
            );
            await c.query(
              `WITH kept AS (
                 INSERT INTO memory_entry_version (entry_id, version, value_type, value, compressed, size, stored_size, tags, metadata)
                 VALUES ($1, $2, 'text', $3, false, $4, $4, '{}', '{}'))
               DELETE FROM memory_entry_version WHERE entry_id = $1 AND version <= $2 - 10`,
              [r.rows[0].id, r.rows[0].version, Buffer.from(value), Buffer.byteLength(value)],
            );
            await c.query(
              `WITH e AS (INSERT INTO live_event (channel, type, data) VALUES ('memory:bare/', 'memory.set', $1::jsonb) RETURNING id)
               SELECT pg_notify('cf_bench', id::text) FROM e`,
              [JSON.stringify({ namespace: 'bare/', key, version: r.rows[0].version })],
            );
            await c.query('COMMIT');
            send(200, r.rows[0]);
          } catch (err) {
            await c.query('ROLLBACK');
            send(500, { error: String(err) });
          } finally {
            c.release();
          }
        })();
      });
    });
    const bareUrl = await listen(bare);
    // The memory store's own statements (the very queries the API's write runs), through pg, behind
    // a bare node:http: what is left between it and the API is the HTTP layer.
    const storeMemory = new MemoryStore(barePool, config.memory);
    const storeServer = http.createServer((req, res) => {
      let text = '';
      req.on('data', (c: Buffer) => (text += c.toString()));
      req.on('end', () => {
        const key = decodeURIComponent(req.url?.split('/').pop() ?? 'k');
        const { value } = JSON.parse(text) as { value: string };
        storeMemory.set({ namespace: 'store/', key, value }).then(
          (info) => {
            res.writeHead(200, { 'content-type': 'application/json' });
            res.end(JSON.stringify(info));
          },
          (err: unknown) => {
            res.writeHead(500);
            res.end(String(err));
          },
        );
      });
    });
    const storeUrl = await listen(storeServer);

    const value = (i: number) => JSON.stringify({ value: `note ${i} ${'x'.repeat(200)}` });
    type Side = 'bare' | 'store' | 'api';
    const cases: Record<string, { method: 'GET' | 'PUT'; urls: Partial<Record<Side, string>> }> = {
      read: { method: 'GET', urls: { bare: `${bareUrl}/sessions`, api: `${apiUrl}/api/claude-flow/sessions` } },
      write: {
        method: 'PUT',
        urls: {
          bare: `${bareUrl}/memory`,
          store: `${storeUrl}/memory`,
          api: `${apiUrl}/api/claude-flow/memory/entries/bench`,
        },
      },
    };
    process.stdout.write(
      `bench/api: ${CONNECTIONS} connections, ${SECONDS} s per run, ${ROUNDS} interleaved rounds, rate limiter on\n`,
    );
    for (const [name, c] of Object.entries(cases)) {
      const sides = (['bare', 'store', 'api'] as const).filter((side) => c.urls[side]);
      const results: Record<Side, Run[]> = { bare: [], store: [], api: [] };
      for (let round = 0; round < ROUNDS; round++) {
        for (const side of sides) {
          const url = c.urls[side] as string;
          const write = c.method === 'PUT';
          results[side].push(
            await load({
              url,
              method: c.method,
              // Keys cycle over 1,000 entries, so writes update existing rows as well as create them.
              path: write ? (i) => `${new URL(url).pathname}/k${i % 1000}` : undefined,
              body: write ? value : undefined,
            }),
          );
        }
      }
      const avg = (runs: Run[], f: (r: Run) => number) => runs.reduce((s, r) => s + f(r), 0) / runs.length;
      const line = (side: Side) =>
        `${side.padEnd(5)} ${avg(results[side], (r) => r.rps)
          .toFixed(0)
          .padStart(6)} req/s  p50 ${avg(results[side], (r) => r.p50).toFixed(
          1,
        )} ms  p99 ${avg(results[side], (r) => r.p99).toFixed(1)} ms  errors ${avg(results[side], (r) => r.errors)}`;
      const rps = (side: Side) => avg(results[side], (r) => r.rps);
      const ratios = [`api/bare ${(rps('api') / rps('bare')).toFixed(2)}x (target >= 0.5x)`];
      if (c.urls.store) ratios.push(`api/store ${(rps('api') / rps('store')).toFixed(2)}x (the HTTP layer's share)`);
      process.stdout.write(
        `\n${name} (${c.method})\n${sides.map((side) => `  ${line(side)}\n`).join('')}  ${ratios.join(', ')}\n`,
      );
    }
    // Requests still in flight when the load stops finish before the pools close.
    for (const server of [apiServer, bare, storeServer]) {
      server.closeIdleConnections();
      await new Promise((r) => server.close(r));
    }
    await Promise.all([pool.end(), barePool.end(), prisma.$disconnect()]);
    await temporal.connection.close().catch(() => undefined);
  } finally {
    await pg.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
