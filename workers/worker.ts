// The Claude Flow worker: every workflow and activity on the configured task queue.
import { createHash } from 'node:crypto';
import os from 'node:os';
import { Worker, type NativeConnection, type WorkflowBundle } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities';
import { dataConverterFor, payloadCodec } from '../lib/codec';
import type { Config } from '../lib/config';
import { LiveListener } from '../lib/live';
import { MemoryStore } from '../lib/memory';
import { temporalWorkerTracing } from '../lib/tracing';
import { workflowBundle } from './bundle';

export interface WorkerHandle {
  worker: Worker;
  /** Settles when the worker has stopped (rejects if it crashed). */
  running: Promise<void>;
  /** Stops polling, lets in-flight tasks finish (bounded by the shutdown grace time), then resolves. */
  shutdown(): Promise<void>;
}

export interface StartWorkerOptions {
  config: Config;
  connection: NativeConnection;
  deps: Omit<ActivityDeps, 'workerIdentity' | 'config' | 'memory'> & { memory?: ActivityDeps['memory'] };
  /** A prebuilt bundle (tests build one per run); otherwise cached under the data directory. */
  bundle?: WorkflowBundle;
  /** @default '10 seconds' */
  shutdownGraceTime?: string;
  /** @default workerIdentity() (tests running two workers in one process tell them apart) */
  identity?: string;
  taskQueue?: string;
}

export function workerIdentity(): string {
  return `${process.pid}@${os.hostname()}`;
}

/**
 * What code a worker runs: Claude Flow's version and the hash of its workflow bundle, e.g.
 * `claude-flow@0.1.0+3f2a9c41d0e7`. Every poll reports it, so the Temporal Web UI's task queue view
 * and GET /readyz show which build each worker is.
 */
export function buildIdOf(bundle: WorkflowBundle): string {
  const { version } = require('../package.json') as { version: string };
  return `claude-flow@${version}+${createHash('sha256').update(bundle.code).digest('hex').slice(0, 12)}`;
}

export async function startWorker(opts: StartWorkerOptions): Promise<WorkerHandle> {
  const identity = opts.identity ?? workerIdentity();
  // The worker's memory reads are cached; its own LISTEN connection drops entries written anywhere.
  const memoryLive =
    opts.deps.memory || !opts.config.database.url
      ? undefined
      : new LiveListener(opts.config.database.url, opts.deps.pool);
  await memoryLive?.start();
  const memory = opts.deps.memory ?? new MemoryStore(opts.deps.pool, opts.config.memory, { live: memoryLive });
  const activities = createActivities({ ...opts.deps, memory, config: opts.config, workerIdentity: identity });
  const tracing = temporalWorkerTracing();
  let worker: Worker;
  try {
    const workflowBundleCode = opts.bundle ?? (await workflowBundle(`${opts.config.dataDir}/cache`));
    worker = await Worker.create({
      connection: opts.connection,
      namespace: opts.config.temporal.namespace,
      taskQueue: opts.taskQueue ?? opts.config.temporal.taskQueue,
      identity,
      // Reported with every poll; no versioning behaviour (useVersioning stays off).
      buildId: buildIdOf(workflowBundleCode),
      workflowBundle: workflowBundleCode,
      activities,
      // Tracing on: activity spans, and the sink the bundle's workflow spans leave through (workers/bundle.ts).
      ...(tracing && { interceptors: { activity: tracing.activityInterceptors }, sinks: tracing.sinks }),
      dataConverter: dataConverterFor(payloadCodec(opts.config.payloads)),
      maxCachedWorkflows: opts.config.temporal.maxCachedWorkflows,
      // Heartbeats reach Temporal at most a second apart (not 0.8 × the timeout): a short heartbeat
      // timeout (a session turn's is 3 s) then keeps a margin on a busy machine.
      maxHeartbeatThrottleInterval: '1 second',
      // A workflow task waits this long for the worker that has the workflow cached before any
      // worker takes it (replaying its history): a dead worker's sessions carry on within a
      // second, a busy live one loses only its cache entry (bench/turn-resume).
      stickyQueueScheduleToStartTimeout: '1 second',
      shutdownGraceTime: (opts.shutdownGraceTime ?? '10 seconds') as '10 seconds',
      // Shutdown waits for in-flight work, bounded: a stop (Ctrl-C) never hangs on cached workflows.
      shutdownForceTime: '20 seconds',
    });
  } catch (err) {
    // A worker that could not be made must not leave its LISTEN connection reconnecting forever.
    if (!opts.deps.memory) memory.close();
    await memoryLive?.close();
    throw err;
  }
  const running = worker.run();
  return {
    worker,
    running,
    async shutdown() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      try {
        await running;
      } finally {
        // Also after a crash (running rejected): a restarted worker must not leak this one's LISTEN.
        if (!opts.deps.memory) memory.close();
        await memoryLive?.close();
      }
    },
  };
}
