// The `workflows` live channel: one event when a run starts (`started`) and one when it ends
// (`completed`, `failed`, `cancelled`, `terminated`), each `{workflowId, type}`. Run lists
// subscribe to it and refetch; a run's own steps stay on `workflow:<id>`.
import type pg from 'pg';
import { publish } from './live';

export const RUNS_CHANNEL = 'workflows';

export type RunChange = 'started' | 'completed' | 'failed' | 'cancelled' | 'terminated';

/**
 * The run change a `workflow:<id>` event means, if any: its end, or its first step starting (the
 * first progress event, whoever started the run). A second step starting alongside the first says
 * `started` again, which a list refetching on it does not mind.
 */
export function runChangeOf(type: string, data: unknown): RunChange | undefined {
  if (type === 'completed' || type === 'failed' || type === 'cancelled') return type;
  if (type !== 'progress') return undefined;
  const d = (data ?? {}) as { completed?: unknown; step?: { status?: unknown } };
  return d.completed === 0 && d.step?.status === 'running' ? 'started' : undefined;
}

export async function publishRunChange(
  db: Pick<pg.Pool, 'query'>,
  change: RunChange,
  run: { workflowId: string; type: string; [k: string]: unknown },
): Promise<void> {
  await publish(db, RUNS_CHANNEL, change, run);
}
