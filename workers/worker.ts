// The Claude Flow worker: every workflow and activity on the configured task queue.
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
  taskQueue?: string;
}

export function workerIdentity(): string {
  return `${process.pid}@${os.hostname()}`;
}

export async function startWorker(opts: StartWorkerOptions): Promise<WorkerHandle> {
  const identity = workerIdentity();
  // The worker's memory reads are cached; its own LISTEN connection drops entries written anywhere.
  const memoryLive =
    opts.deps.memory || !opts.config.database.url
      ? undefined
      : new LiveListener(opts.config.database.url, opts.deps.pool);
  await memoryLive?.start();
  const memory = opts.deps.memory ?? new MemoryStore(opts.deps.pool, opts.config.memory, { live: memoryLive });
  const activities = createActivities({ ...opts.deps, memory, config: opts.config, workerIdentity: identity });
  const tracing = temporalWorkerTracing();
  const worker = await Worker.create({
    connection: opts.connection,
    namespace: opts.config.temporal.namespace,
    taskQueue: opts.taskQueue ?? opts.config.temporal.taskQueue,
    identity,
    workflowBundle: opts.bundle ?? (await workflowBundle(`${opts.config.dataDir}/cache`)),
    activities,
    // Tracing on: activity spans, and the sink the bundle's workflow spans leave through (workers/bundle.ts).
    ...(tracing && { interceptors: { activity: tracing.activityInterceptors }, sinks: tracing.sinks }),
    dataConverter: dataConverterFor(payloadCodec(opts.config.payloads)),
    maxCachedWorkflows: opts.config.temporal.maxCachedWorkflows,
    shutdownGraceTime: (opts.shutdownGraceTime ?? '10 seconds') as '10 seconds',
    // Shutdown waits for in-flight work, bounded: a stop (Ctrl-C) never hangs on cached workflows.
    shutdownForceTime: '20 seconds',
  });
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
