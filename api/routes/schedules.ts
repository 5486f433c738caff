// /api/claude-flow/schedules: Temporal Schedules for any workflow type in the catalog, by cron
// expression or interval. The schedule is Temporal's (visible and editable in its UI and CLI); the
// API validates the type and input up front so a schedule never fires a run that cannot start.
import {
  isGrpcServiceError,
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  type Client,
  type ScheduleDescription,
  type ScheduleHandle,
} from '@temporalio/client';
import { z } from 'zod';
import { ProblemError, badRequest, notFound, unavailable } from '../../lib/errors';
import { requireType, validateInput } from '../../lib/workflow-runs';
import { BASE, type RouteSpec } from '../route-spec';
import { parse } from '../validate';

/** gRPC's status code INVALID_ARGUMENT. */
const GRPC_INVALID_ARGUMENT = 3;

const scheduleId = z.string().regex(/^[A-Za-z0-9._-]{1,100}$/, 'letters, digits and . _ - (1-100 characters)');
const every = z
  .string()
  .regex(
    /^\d+(\.\d+)?\s*(s|m|h|d|seconds?|minutes?|hours?|days?)$/,
    'an interval such as "30s", "15 minutes", "1h" or "7 days"',
  );
// Five fields (minute hour day-of-month month day-of-week), or an @-shorthand Temporal accepts.
const cron = z
  .string()
  .regex(
    /^(@(yearly|annually|monthly|weekly|daily|hourly)|(\S+\s+){4}\S+)$/,
    'a cron expression with 5 fields ("0 3 * * *") or @daily/@hourly/…',
  );

const createScheduleBody = z
  .object({
    scheduleId: scheduleId.describe("Name of the schedule (also the prefix of its runs' workflow ids)"),
    type: z.string().min(1).max(100).describe('A type from GET /workflows/types'),
    input: z.unknown().optional().describe("The type's input (validated now)"),
    cron: cron.optional(),
    every: every.optional().describe('Interval between runs'),
    paused: z.boolean().optional(),
    note: z.string().max(500).optional(),
    overlap: z
      .enum(['skip', 'buffer_one', 'buffer_all', 'cancel_other', 'terminate_other', 'allow_all'])
      .default('skip')
      .describe('What to do when a run is still going at the next time'),
  })
  .strict()
  .refine((b) => Boolean(b.cron) !== Boolean(b.every), { message: 'give exactly one of cron or every' });

const noteBody = z.object({ note: z.string().max(500).optional() }).strict();
const backfillBody = z
  .object({
    start: z.iso.datetime({ offset: true }),
    end: z.iso.datetime({ offset: true }),
  })
  .strict()
  .refine((b) => new Date(b.start) < new Date(b.end), { message: 'start must be before end' });

const OVERLAP = {
  skip: 'SKIP',
  buffer_one: 'BUFFER_ONE',
  buffer_all: 'BUFFER_ALL',
  cancel_other: 'CANCEL_OTHER',
  terminate_other: 'TERMINATE_OTHER',
  allow_all: 'ALLOW_ALL',
} as const;

interface ScheduleMemo {
  cron?: string;
  every?: string;
  createdBy?: string;
}

function view(d: ScheduleDescription) {
  const memo = (d.memo ?? {}) as ScheduleMemo;
  return {
    scheduleId: d.scheduleId,
    type: d.action.workflowType,
    input: d.action.args?.[0],
    ...(memo.cron ? { cron: memo.cron } : {}),
    ...(memo.every ? { every: memo.every } : {}),
    paused: d.state.paused,
    ...(d.state.note ? { note: d.state.note } : {}),
    overlap: d.policies.overlap?.toLowerCase(),
    nextRuns: d.info.nextActionTimes.slice(0, 5).map((t) => t.toISOString()),
    recentRuns: d.info.recentActions.map((a) => ({
      workflowId: a.action.workflow.workflowId,
      runId: a.action.workflow.firstExecutionRunId,
      scheduledAt: a.scheduledAt.toISOString(),
      takenAt: a.takenAt.toISOString(),
    })),
    runs: d.info.numActionsTaken,
    ...(memo.createdBy ? { createdBy: memo.createdBy } : {}),
    createdAt: d.info.createdAt.toISOString(),
  };
}

/** The schedule named in the path and its description; 404 when there is none. */
async function describe(
  temporal: Client,
  pathId: unknown,
): Promise<{ handle: ScheduleHandle; d: ScheduleDescription }> {
  const id = parse(scheduleId, pathId, 'path');
  const handle = temporal.schedule.getHandle(id);
  try {
    return { handle, d: await handle.describe() };
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) throw notFound(`No schedule ${id}`);
    throw err;
  }
}

const S = `${BASE}/schedules`;

export const routes: RouteSpec[] = [
  {
    method: 'POST',
    path: S,
    role: 'operator',
    tag: 'schedules',
    summary: 'Create a Temporal Schedule for a workflow type (cron or interval)',
    body: createScheduleBody,
    handler: async (req, res, { temporal, config }) => {
      if (!config.enabled) throw unavailable('Claude Flow is disabled (CLAUDE_FLOW_ENABLED=false)');
      const body = parse(createScheduleBody, req.body, 'body');
      const def = requireType(body.type);
      const input = validateInput(def, body.input, config);
      try {
        const handle = await temporal.schedule.create({
          scheduleId: body.scheduleId,
          spec: body.cron ? { cronExpressions: [body.cron] } : { intervals: [{ every: body.every as '1h' }] },
          action: {
            type: 'startWorkflow',
            workflowType: def.type,
            workflowId: body.scheduleId,
            taskQueue: config.temporal.taskQueue,
            args: input === undefined ? [] : [input],
          },
          policies: { overlap: OVERLAP[body.overlap] },
          state: { paused: body.paused ?? false, ...(body.note ? { note: body.note } : {}) },
          memo: { cron: body.cron, every: body.every, createdBy: req.principal?.name } satisfies ScheduleMemo,
        });
        res.status(201).json(view(await handle.describe()));
      } catch (err) {
        if (err instanceof ScheduleAlreadyRunning) {
          throw new ProblemError(
            409,
            'Conflict',
            `A schedule named ${body.scheduleId} exists: delete it or pick another name`,
          );
        }
        // The SDK (a TypeError) and the server (INVALID_ARGUMENT) are the judges of cron syntax and
        // intervals; say what they said.
        const cause = (err as { cause?: unknown }).cause;
        const invalid =
          err instanceof TypeError ||
          [err, cause].some((e) => isGrpcServiceError(e) && e.code === GRPC_INVALID_ARGUMENT);
        if (invalid) throw badRequest((err as Error).message);
        throw err;
      }
    },
  },
  {
    method: 'GET',
    path: S,
    role: 'viewer',
    tag: 'schedules',
    summary: 'List schedules',
    handler: async (_req, res, { temporal }) => {
      const schedules: unknown[] = [];
      for await (const s of temporal.schedule.list({ pageSize: 100 })) {
        schedules.push({
          scheduleId: s.scheduleId,
          type: s.action?.workflowType,
          ...(s.memo as ScheduleMemo | undefined),
          paused: s.state.paused,
          ...(s.state.note ? { note: s.state.note } : {}),
          nextRuns: s.info.nextActionTimes.slice(0, 3).map((t) => t.toISOString()),
          lastRun: s.info.recentActions.at(-1)?.takenAt.toISOString(),
        });
        if (schedules.length >= 1000) break;
      }
      res.json({ schedules });
    },
  },
  {
    method: 'GET',
    path: `${S}/{scheduleId}`,
    role: 'viewer',
    tag: 'schedules',
    summary: 'A schedule: spec, state, next and recent runs',
    handler: async (req, res, { temporal }) => {
      res.json(view((await describe(temporal, req.params.scheduleId)).d));
    },
  },
  {
    method: 'POST',
    path: `${S}/{scheduleId}/pause`,
    role: 'operator',
    tag: 'schedules',
    summary: 'Pause a schedule',
    body: noteBody,
    handler: async (req, res, { temporal }) => {
      const body = parse(noteBody, req.body ?? {}, 'body');
      const { handle } = await describe(temporal, req.params.scheduleId);
      await handle.pause(body.note ?? `paused by ${req.principal?.name ?? 'a user'}`);
      res.json(view(await handle.describe()));
    },
  },
  {
    method: 'POST',
    path: `${S}/{scheduleId}/unpause`,
    role: 'operator',
    tag: 'schedules',
    summary: 'Unpause a schedule',
    body: noteBody,
    handler: async (req, res, { temporal }) => {
      const body = parse(noteBody, req.body ?? {}, 'body');
      const { handle } = await describe(temporal, req.params.scheduleId);
      await handle.unpause(body.note ?? `unpaused by ${req.principal?.name ?? 'a user'}`);
      res.json(view(await handle.describe()));
    },
  },
  {
    method: 'POST',
    path: `${S}/{scheduleId}/trigger`,
    role: 'operator',
    tag: 'schedules',
    summary: 'Start a run of a schedule now',
    handler: async (req, res, { temporal }) => {
      const { handle } = await describe(temporal, req.params.scheduleId);
      await handle.trigger('ALLOW_ALL');
      res.status(202).json({ scheduleId: handle.scheduleId, triggered: true });
    },
  },
  {
    method: 'POST',
    path: `${S}/{scheduleId}/backfill`,
    role: 'operator',
    tag: 'schedules',
    summary: 'Run a schedule for the times it would have fired in a past range',
    body: backfillBody,
    handler: async (req, res, { temporal }) => {
      const body = parse(backfillBody, req.body, 'body');
      const { handle } = await describe(temporal, req.params.scheduleId);
      await handle.backfill({ start: new Date(body.start), end: new Date(body.end), overlap: 'ALLOW_ALL' });
      res.status(202).json({ scheduleId: handle.scheduleId, backfill: body });
    },
  },
  {
    method: 'DELETE',
    path: `${S}/{scheduleId}`,
    role: 'operator',
    tag: 'schedules',
    summary: 'Delete a schedule (its past runs stay)',
    handler: async (req, res, { temporal }) => {
      const { handle } = await describe(temporal, req.params.scheduleId);
      await handle.delete();
      res.status(204).end();
    },
  },
];
