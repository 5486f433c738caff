// Liveness (/healthz: the process answers) and readiness (/readyz: everything it needs works).
// A failing check names the part that is down: `postgres is shutting down (…)`, `postgres
// unreachable (…)`; migrations that cannot be read say "not checked", never "pending".
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type pg from 'pg';
import type { Config } from '../lib/config';
import { describeDatabaseError, watchOf } from '../lib/db';
import { migrationsDir, pendingMigrations } from '../lib/migrations';

export interface Check {
  ok: boolean;
  detail: string;
  ms: number;
}

/** A worker polling this deployment's task queue, as Temporal last saw it. */
export interface WorkerSeen {
  /** `pid@hostname` (workers/worker.ts). */
  identity: string;
  /** `claude-flow@<version>+<workflow bundle hash>`: which code it runs. */
  buildId?: string;
  /** What it polls for: workflow tasks, activity tasks or both. */
  polls: ('workflow' | 'activity')[];
  lastSeen?: string;
}

export interface Readiness {
  ready: boolean;
  checks: { postgres: Check; migrations: Check; temporal: Check; worker: Check };
  /** Every worker polling the task queue (empty when Temporal could not be asked). */
  workers: WorkerSeen[];
}

type Poller = temporal.api.taskqueue.v1.IPollerInfo;

/** The pollers of both task queue kinds, one entry per worker identity. */
function workersOf(workflow: Poller[], activity: Poller[]): WorkerSeen[] {
  const by = new Map<string, WorkerSeen>();
  const add = (p: Poller, kind: 'workflow' | 'activity') => {
    const identity = p.identity ?? 'unknown';
    const w = by.get(identity) ?? { identity, polls: [] };
    w.polls.push(kind);
    const buildId = p.workerVersionCapabilities?.buildId ?? undefined;
    if (buildId) w.buildId = buildId;
    const seconds = p.lastAccessTime?.seconds;
    if (seconds !== undefined && seconds !== null) {
      const at = new Date(Number(seconds) * 1000 + Math.floor((p.lastAccessTime?.nanos ?? 0) / 1e6)).toISOString();
      if (!w.lastSeen || at > w.lastSeen) w.lastSeen = at;
    }
    by.set(identity, w);
  };
  for (const p of workflow) add(p, 'workflow');
  for (const p of activity) add(p, 'activity');
  return [...by.values()].sort((a, b) => a.identity.localeCompare(b.identity));
}

const CHECK_TIMEOUT_MS = 3_000;
/** SQLSTATE 42P01: the bookkeeping table does not exist. */
const UNDEFINED_TABLE = '42P01';

async function timed(fn: () => Promise<string>): Promise<Check> {
  const t0 = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    const detail = await Promise.race([
      fn(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
      }),
    ]);
    return { ok: true, detail, ms: Math.round(performance.now() - t0) };
  } catch (err) {
    return { ok: false, detail: (err as Error).message, ms: Math.round(performance.now() - t0) };
  } finally {
    clearTimeout(timer);
  }
}

/** gRPC UNAVAILABLE: the Temporal server is not there (yet). */
const GRPC_UNAVAILABLE = 14;

function temporalError(err: unknown, prefix: string): unknown {
  const e = err as { code?: unknown; details?: unknown; message?: unknown };
  if (e?.code !== GRPC_UNAVAILABLE) return err;
  return new Error(`${prefix}Temporal unreachable (${String(e.details || e.message)})`);
}

export async function readiness(config: Config, pool: pg.Pool, client: Client): Promise<Readiness> {
  const { namespace, taskQueue } = config.temporal;
  let workers: WorkerSeen[] = [];
  const [postgres, migrations, temporalCheck, worker] = await Promise.all([
    timed(async () => {
      await pool.query('SELECT 1').catch((err: unknown) => {
        throw new Error(describeDatabaseError(err));
      });
      // In a smart shutdown a connection already open still answers; new ones are refused.
      const watch = watchOf(pool);
      if (watch?.state === 'shutting-down') throw new Error(`postgres is ${watch.detail}`);
      return 'reachable';
    }),
    timed(async () => {
      // pendingMigrations counts every migration as pending when it cannot read the bookkeeping
      // table; that is true only when the table is missing (a database never migrated).
      let unread: unknown;
      const pending = await pendingMigrations(
        (sql) =>
          pool.query(sql).catch((err: unknown) => {
            if ((err as { code?: string }).code !== UNDEFINED_TABLE) unread = err;
            throw err;
          }),
        migrationsDir(config.projectRoot),
      );
      if (unread !== undefined) throw new Error(`not checked: ${describeDatabaseError(unread)}`);
      if (pending.length) throw new Error(`pending: ${pending.join(', ')}; start the stack or run \`npm run migrate\``);
      return 'all applied';
    }),
    timed(async () => {
      await client.workflowService.describeNamespace({ namespace }).catch((err: unknown) => {
        throw temporalError(err, '');
      });
      return `namespace ${namespace} reachable`;
    }),
    timed(async () => {
      const describe = (taskQueueType: temporal.api.enums.v1.TaskQueueType) =>
        client.workflowService
          .describeTaskQueue({ namespace, taskQueue: { name: taskQueue }, taskQueueType })
          .catch((err: unknown) => {
            throw temporalError(err, 'not checked: ');
          });
      const { TASK_QUEUE_TYPE_WORKFLOW, TASK_QUEUE_TYPE_ACTIVITY } = temporal.api.enums.v1.TaskQueueType;
      const [wf, act] = await Promise.all([describe(TASK_QUEUE_TYPE_WORKFLOW), describe(TASK_QUEUE_TYPE_ACTIVITY)]);
      workers = workersOf(wf.pollers ?? [], act.pollers ?? []);
      const pollers = wf.pollers?.length ?? 0;
      if (pollers === 0)
        throw new Error(`no worker is polling task queue ${taskQueue}; start one with \`npm run worker\``);
      return `${workers.length} worker${workers.length === 1 ? '' : 's'} polling ${taskQueue}`;
    }),
  ]);
  const checks = { postgres, migrations, temporal: temporalCheck, worker };
  return { ready: Object.values(checks).every((c) => c.ok), checks, workers };
}
