// Liveness (/healthz: the process answers) and readiness (/readyz: everything it needs works).
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type pg from 'pg';
import type { Config } from '../lib/config';
import { migrationsDir, pendingMigrations } from '../lib/migrations';

export interface Check {
  ok: boolean;
  detail: string;
  ms: number;
}

export interface Readiness {
  ready: boolean;
  checks: { postgres: Check; migrations: Check; temporal: Check; worker: Check };
}

const CHECK_TIMEOUT_MS = 3_000;

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

export async function readiness(config: Config, pool: pg.Pool, client: Client): Promise<Readiness> {
  const { namespace, taskQueue } = config.temporal;
  const [postgres, migrations, temporalCheck, worker] = await Promise.all([
    timed(async () => {
      await pool.query('SELECT 1');
      return 'reachable';
    }),
    timed(async () => {
      const pending = await pendingMigrations((sql) => pool.query(sql), migrationsDir(config.projectRoot));
      if (pending.length) throw new Error(`pending: ${pending.join(', ')}; start the stack or run \`npm run migrate\``);
      return 'all applied';
    }),
    timed(async () => {
      await client.workflowService.describeNamespace({ namespace });
      return `namespace ${namespace} reachable`;
    }),
    timed(async () => {
      const res = await client.workflowService.describeTaskQueue({
        namespace,
        taskQueue: { name: taskQueue },
        taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
      });
      const pollers = res.pollers?.length ?? 0;
      if (pollers === 0)
        throw new Error(`no worker is polling task queue ${taskQueue}; start one with \`npm run worker\``);
      return `${pollers} poller(s) on ${taskQueue}`;
    }),
  ]);
  const checks = { postgres, migrations, temporal: temporalCheck, worker };
  return { ready: Object.values(checks).every((c) => c.ok), checks };
}
