// /api/claude-flow/sessions: sessions are workflows (`session-<id>`); the API starts them, sends
// their updates and signals, and reads their state (queries) or the Postgres projection (lists).
import { randomUUID } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type WorkflowHandle } from '@temporalio/client';
import type { Request, Response } from 'express';
import type { UpdateDefinition } from '@temporalio/common';
import { z } from 'zod';
import type { Config } from '../../lib/config';
import { ProblemError, badRequest, notFound, unavailable } from '../../lib/errors';
import { rebuildSessionProjection } from '../../lib/session-projection';
import { requireType, validateInput } from '../../lib/workflow-runs';
import {
  checkpointUpdate,
  checkpointsQuery,
  decideUpdate,
  endSignal,
  forkUpdate,
  pauseSignal,
  requestApprovalUpdate,
  resumeSignal,
  rollbackUpdate,
  runWorkflowUpdate,
  sendMessageUpdate,
  stateQuery,
} from '../../workflows/contract/session-messages';
import { DURATION_HINT, parseDuration } from '../../workflows/contract/duration';
import { route } from '../../workflows/contract/routes';
import {
  SESSION_ID_PATTERN,
  SESSION_ID_RULE,
  SESSION_LIMITS,
  previewOf,
  sessionWorkflowId,
  stateFromConversation,
  type SessionInput,
} from '../../workflows/contract/session';
import { BASE, type ApiContext, type RouteSpec } from '../route-spec';
import { parse, withoutNul } from '../validate';

const STATUSES = ['active', 'paused', 'waiting_approval', 'ended', 'failed'] as const;
const id = z.string().regex(SESSION_ID_PATTERN, SESSION_ID_RULE);
const duration = z
  .string()
  .refine((d) => parseDuration(d) !== undefined, DURATION_HINT)
  .refine(
    (d) => (parseDuration(d) ?? 0) <= SESSION_LIMITS.maxDurationMs,
    `at most ${SESSION_LIMITS.maxDurationMs / 86_400_000} days`,
  );
const namespaceList = z.array(z.string().regex(/^([\w.-]+\/)+$/, 'a namespace ending in /')).max(20);

const createSessionBody = z
  .object({
    title: z.string().trim().min(1).max(200),
    owner: z.string().min(1).max(200).optional(),
    sessionId: id.optional().describe('Choose the id (default: a new UUID)'),
    project: z
      .object({
        repo: z
          .string()
          .regex(/^[\w.-]+\/[\w.-]+$/, '"owner/name"')
          .optional(),
        pullRequest: z.number().int().positive().optional(),
        path: z.string().min(1).max(1000).optional(),
      })
      .strict()
      .optional(),
    settings: z
      .object({
        route: route.optional(),
        memoryNamespaces: namespaceList
          .optional()
          .describe(
            "The session's own memory: context is read from these namespaces, checkpoints capture them and rollback restores them (default: sessions/<sessionId>/). A fork gets copies of its own.",
          ),
        sharedNamespaces: namespaceList
          .optional()
          .describe(
            'Namespaces the session only reads context from, shared with others: never captured, restored or copied into a fork',
          ),
        idleExpiry: duration.optional(),
        continueAsNewAfter: z.number().int().min(2).max(100_000).optional(),
        contextTokens: z.number().int().min(0).max(100_000).optional(),
        historyTokens: z.number().int().min(100).max(1_000_000).optional(),
        system: z.string().max(20_000).optional(),
        memoryAutosave: z
          .enum(['off', 'exchanges', 'all'])
          .optional()
          .describe('What this session saves to memory (default: CLAUDE_FLOW_MEMORY_AUTOSAVE)'),
      })
      .strict()
      .optional(),
  })
  .strict();

// What these routes answer, for the OpenAPI document (test/api/sessions.test.ts checks real answers
// against them). The shapes are the contract's (workflows/contract/session.ts).
const checkpointRecord = z.object({
  checkpointId: z.string(),
  sessionId: z.string(),
  label: z.string(),
  messageCount: z.number().int().describe('Conversation length at the checkpoint'),
  gitRef: z.string().optional().describe("The project repository's commit, where the session has one"),
  memoryEntries: z.number().int().describe("Memory entries captured from the session's own namespaces"),
  createdAt: z.string(),
});
const approvalRequest = z.object({
  requestId: z.string(),
  title: z.string(),
  details: z.string().optional(),
  from: z.string().describe('"session", or the id of the run that asked'),
  requestedAt: z.string(),
  deadline: z.string().optional(),
  defaultOutcome: z.enum(['approve', 'reject']).optional(),
});
const approvalOutcome = z.object({
  requestId: z.string(),
  outcome: z.enum(['approved', 'rejected']),
  decidedBy: z.string().describe('Who decided: a user, or "deadline" when the default outcome applied'),
  comment: z.string().optional(),
  decidedAt: z.string(),
});
const sessionView = z
  .object({
    sessionId: z.string(),
    title: z.string(),
    status: z.enum(STATUSES),
    messageCount: z.number().int(),
    checkpoints: z.array(checkpointRecord),
    pending: z.array(approvalRequest),
    decided: z.array(approvalOutcome).describe('The most recent decisions'),
  })
  .loose()
  .describe('The session (the state query); more fields than listed here');
const rollbackResult = sessionView.extend({
  rollback: z.object({
    checkpointId: z.string(),
    branch: z
      .string()
      .optional()
      .describe("The new branch the repository is on, made at the checkpoint's commit for this rollback"),
    gitRef: z.string().optional().describe("The checkpoint's commit"),
    memory: z.object({
      restored: z.number().int().describe('Entries written back, each at a new, higher version'),
      deleted: z.number().int().describe('Entries made after the checkpoint, deleted'),
      expired: z.number().int().describe('Captured entries whose expiry has passed, not brought back'),
    }),
  }),
});
const forkResult = z.object({ sessionId: z.string(), workflowId: z.string() });
/** The sessions table's columns as the list answers them (the projection's field names). */
const SESSION_ROW = [
  'id',
  'title',
  'owner',
  'project',
  'parent_id AS "parentId"',
  'status',
  'status_reason AS "statusReason"',
  'created_at AS "createdAt"',
  'last_activity_at AS "lastActivityAt"',
  'ended_at AS "endedAt"',
  'message_count AS "messageCount"',
  'input_tokens AS "inputTokens"',
  'output_tokens AS "outputTokens"',
  'cost_usd AS "costUsd"',
].join(', ');
const ENDED = 'The session has ended (start a new one or fork it), or is paused';

const sendMessageBody = z
  .object({
    text: z.string().min(1).max(SESSION_LIMITS.messageChars),
    stream: z.boolean().optional().describe('Stream the reply as live events (default true)'),
    route: route.optional(),
    maxTokens: z.number().int().min(1).max(200_000).optional(),
    temperature: z.number().min(0).max(2).optional(),
  })
  .strict();

const listQuery = z
  .object({
    status: z.enum(STATUSES).optional(),
    owner: withoutNul(z.string().max(200)).optional(),
    project: withoutNul(z.string().max(1000)).optional(),
    title: withoutNul(z.string().min(1).max(200))
      .optional()
      .describe('Sessions whose title contains this text (case-insensitive)'),
    limit: z.coerce.number().int().min(1).max(500).default(50),
    offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
  })
  .strict();

const reasonBody = z.object({ reason: z.string().max(500).optional() }).strict();
const checkpointBody = z.object({ label: z.string().max(SESSION_LIMITS.labelChars).optional() }).strict();
const checkpointRef = z.object({ checkpointId: z.string().uuid() }).strict();
const forkBody = z.object({ checkpointId: z.string().uuid(), title: z.string().max(200).optional() }).strict();
const approvalBody = z
  .object({
    title: withoutNul(z.string().trim().min(1).max(500)),
    details: withoutNul(z.string().max(20_000)).optional(),
    timeout: duration.optional(),
    defaultOutcome: z.enum(['approve', 'reject']).optional(),
  })
  .strict();
const decideBody = z
  .object({ decision: z.enum(['approve', 'reject']), comment: z.string().max(5_000).optional() })
  .strict();
/** A run started from the session: `{type, input}` as in POST /workflows; `params` is the old name of `input`. */
const runBody = z
  .object({
    type: z.string().min(1).max(100).describe('A type from GET /workflows/types'),
    input: z.unknown().optional().describe("The type's input (see its inputSchema)"),
    params: z
      .unknown()
      .optional()
      .meta({ deprecated: true, description: 'Deprecated: the old name of input (give one of them, not both)' }),
  })
  .strict()
  .refine((b) => b.input === undefined || b.params === undefined, {
    message: 'give the run\'s input once, as "input" ("params" is its deprecated old name), not both',
    path: ['params'],
  });
/** Message positions are PostgreSQL integers: a bound past 2^31-1 is refused here, not by the database. */
const INT4_MAX = 2_147_483_647;
const messagesQuery = z
  .object({
    from: z.coerce.number().int().min(1).max(INT4_MAX).optional(),
    to: z.coerce.number().int().min(1).max(INT4_MAX).optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(200),
  })
  .strict();

const importBody = z
  .object({
    format: z.literal('claude-flow-session'),
    version: z.literal(1),
    sessionId: id.optional().describe('Id for the imported session (default: a new UUID)'),
    session: z.object({
      title: z.string().trim().min(1).max(200),
      owner: z.string().min(1).max(200),
      project: createSessionBody.shape.project,
      settings: createSessionBody.shape.settings,
      parent: z.unknown().optional(),
    }),
    totals: z
      .object({
        inputTokens: z.number().int().min(0),
        outputTokens: z.number().int().min(0),
        costUsd: z.number().min(0),
      })
      .optional(),
    checkpoints: z.array(z.unknown()).optional(),
    messages: z
      .array(
        z.object({
          position: z.number().int().min(1),
          role: z.enum(['user', 'assistant']),
          content: z.string().max(SESSION_LIMITS.messageChars * 5),
          provider: z.string().nullish(),
          model: z.string().nullish(),
          at: z.string().optional(),
        }),
      )
      .max(100_000),
  })
  .strict();

const workflowIdOf = sessionWorkflowId;

/** The 409 for a session whose workflow has closed. */
const ended = (sessionId: string, status: string) =>
  new ProblemError(409, 'Conflict', `session ${sessionId} has ended (${status}); start a new one or fork it`);

/**
 * Sends `send` to the session's running workflow. Nothing is asked first (a message costs one
 * round trip to Temporal, not two): only when Temporal finds no running workflow is the session
 * looked at, to answer 404 (there is none) or 409 (it has ended, with how); a session that
 * continued as new meanwhile gets the call again.
 */
async function toRunningSession<T>(
  { temporal }: ApiContext,
  req: Request,
  send: (h: WorkflowHandle) => Promise<T>,
): Promise<T> {
  const sessionId = parse(id, req.params.sessionId, 'path');
  const h = temporal.workflow.getHandle(workflowIdOf(sessionId));
  for (let attempt = 0; ; attempt++) {
    try {
      return await send(h);
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
      let status: string;
      try {
        status = (await h.describe()).status.name;
      } catch (e) {
        if (e instanceof WorkflowNotFoundError) throw notFound(`No session ${sessionId}`);
        throw e;
      }
      if (status !== 'RUNNING' || attempt > 0)
        throw ended(sessionId, status === 'RUNNING' ? 'completed' : status.toLowerCase());
    }
  }
}

/** Sends `update` to the session's running workflow and answers its result with `status`. */
async function updateSession<Ret, Arg>(
  ctx: ApiContext,
  req: Request,
  res: Response,
  update: UpdateDefinition<Ret, [Arg]>,
  arg: Arg,
  status = 200,
): Promise<void> {
  const key = idempotencyKey(req);
  // The key is the update's id: Temporal runs an update id once per run and answers a repeat
  // with the first one's outcome, so a client that lost the answer (a 503, a cut connection) can
  // send the request again without a second message or run.
  const updateId = key === undefined ? undefined : `${update.name}:${key}`;
  res.status(status).json(await toRunningSession(ctx, req, (h) => h.executeUpdate(update, { args: [arg], updateId })));
}

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;

/** The request's `Idempotency-Key` header, when it has one; a 400 when it is not 1-200 visible ASCII characters. */
function idempotencyKey(req: Request): string | undefined {
  const key = req.header('idempotency-key');
  if (key === undefined) return undefined;
  if (!IDEMPOTENCY_KEY.test(key)) {
    throw badRequest('Idempotency-Key: give 1 to 200 visible ASCII characters (no spaces), e.g. a UUID');
  }
  return key;
}

/** The session's workflow handle (for queries); 404 when there is none. */
async function handle({ temporal }: ApiContext, req: Request): Promise<WorkflowHandle> {
  const sessionId = parse(id, req.params.sessionId, 'path');
  const h = temporal.workflow.getHandle(workflowIdOf(sessionId));
  try {
    await h.describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw notFound(`No session ${sessionId}`);
    throw err;
  }
  return h;
}

/** Starts the session's workflow; 409 when a session with that id exists. */
async function startSession({ temporal, config }: ApiContext, input: SessionInput): Promise<void> {
  try {
    await temporal.workflow.start('session', {
      taskQueue: config.temporal.taskQueue,
      workflowId: workflowIdOf(input.sessionId),
      args: [input],
    });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      throw new ProblemError(409, 'Conflict', `Session ${input.sessionId} already exists`);
    }
    throw err;
  }
}

const requireEnabled = (config: Config) => {
  if (!config.enabled)
    throw unavailable('Claude Flow is disabled (CLAUDE_FLOW_ENABLED=false): sessions cannot be started');
};

/** POST /sessions/{sessionId}/pause, /resume and /end: signals, accepted (202) once sent. */
const signalRoutes = (
  [
    ['pause', pauseSignal, 'Pause'],
    ['resume', resumeSignal, 'Resume'],
    ['end', endSignal, 'End the session'],
  ] as const
).map(([action, signal, summary]): RouteSpec => ({
  method: 'POST',
  path: `${BASE}/sessions/{sessionId}/${action}`,
  role: 'operator',
  tag: 'sessions',
  summary,
  body: reasonBody,
  handler: async (req, res, ctx) => {
    const body = parse(reasonBody, req.body ?? {}, 'body');
    await toRunningSession(ctx, req, (h) =>
      action === 'resume' ? h.signal(resumeSignal) : h.signal(signal as typeof pauseSignal, body),
    );
    res.status(202).json({ accepted: action });
  },
}));

const S = `${BASE}/sessions/{sessionId}`;

export const routes: RouteSpec[] = [
  {
    method: 'POST',
    path: `${BASE}/sessions`,
    role: 'operator',
    tag: 'sessions',
    summary: 'Start a session',
    body: createSessionBody,
    handler: async (req, res, ctx) => {
      requireEnabled(ctx.config);
      const body = parse(createSessionBody, req.body, 'body');
      const sessionId = body.sessionId ?? randomUUID();
      const input: SessionInput = {
        sessionId,
        title: body.title,
        owner: body.owner ?? 'local',
        project: body.project,
        settings: body.settings,
      };
      await startSession(ctx, input);
      res.status(201).json({ sessionId, workflowId: workflowIdOf(sessionId) });
    },
  },
  {
    method: 'GET',
    path: `${BASE}/sessions`,
    role: 'viewer',
    tag: 'sessions',
    summary: 'List sessions',
    query: listQuery,
    // The busiest read: two plain statements on the pool (through Prisma it measured about half
    // the throughput; bench/api).
    handler: async (req, res, { pool }) => {
      const q = parse(listQuery, req.query, 'query');
      const args: unknown[] = [];
      const where = (['status', 'owner', 'project'] as const)
        .filter((f) => q[f] !== undefined)
        .map((f) => `${f} = $${args.push(q[f])}`);
      if (q.title) where.push(`title ILIKE $${args.push(`%${q.title.replace(/[\\%_]/g, '\\$&')}%`)}`);
      const filter = where.length ? `WHERE ${where.join(' AND ')}` : '';
      const [count, rows] = await Promise.all([
        pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM session ${filter}`, args),
        pool.query<Record<string, unknown>>(
          `SELECT ${SESSION_ROW} FROM session ${filter} ORDER BY last_activity_at DESC
            LIMIT $${args.length + 1} OFFSET $${args.length + 2}`,
          [...args, q.limit, q.offset],
        ),
      ]);
      res.json({
        total: count.rows[0].n,
        sessions: rows.rows.map((s) => ({ ...s, sessionId: s.id, costUsd: Number(s.costUsd) })),
      });
    },
  },
  {
    method: 'POST',
    path: `${BASE}/sessions/import`,
    role: 'operator',
    tag: 'sessions',
    summary: 'Import a session exported with GET /sessions/{sessionId}/export (starts a new session)',
    body: importBody,
    handler: async (req, res, ctx) => {
      const { temporal, prisma } = ctx;
      requireEnabled(ctx.config);
      const doc = parse(importBody, req.body, 'body');
      const sessionId = doc.sessionId ?? randomUUID();
      const positions = doc.messages.map((m) => m.position);
      if (positions.some((p, i) => p !== i + 1)) throw badRequest('messages: positions must run 1, 2, 3, … in order');
      // Refuse an existing id before writing anything: the messages must not land in another session.
      const exists = await temporal.workflow
        .getHandle(workflowIdOf(sessionId))
        .describe()
        .then(
          () => true,
          (err: unknown) => {
            if (err instanceof WorkflowNotFoundError) return false;
            throw err;
          },
        );
      if (exists || (await prisma.sessionMessage.count({ where: { sessionId } })) > 0) {
        throw new ProblemError(409, 'Conflict', `Session ${sessionId} already exists`);
      }
      await prisma.sessionMessage.createMany({
        data: doc.messages.map((m, i) => ({
          sessionId,
          no: i + 1,
          position: m.position,
          role: m.role,
          content: m.content,
          provider: m.provider ?? null,
          model: m.model ?? null,
        })),
        skipDuplicates: true,
      });
      const now = new Date().toISOString();
      const recent = doc.messages.slice(-SESSION_LIMITS.recentWindow).map((m, i, arr) => ({
        no: doc.messages.length - arr.length + i + 1,
        position: m.position,
        role: m.role,
        preview: previewOf(m.content),
        at: m.at ?? now,
      }));
      const totals = doc.totals ?? { inputTokens: 0, outputTokens: 0, costUsd: 0 };
      const input: SessionInput = {
        sessionId,
        title: doc.session.title,
        owner: doc.session.owner,
        project: doc.session.project,
        settings: doc.session.settings,
        carried: { ...stateFromConversation({ messageCount: doc.messages.length, recent, totals }, now), totals },
      };
      await startSession(ctx, input);
      res.status(201).json({ sessionId, workflowId: workflowIdOf(sessionId), messages: doc.messages.length });
    },
  },
  {
    method: 'POST',
    path: `${BASE}/sessions/rebuild-projection`,
    role: 'admin',
    tag: 'sessions',
    summary: 'Rewrite the sessions table from Temporal (the source of truth)',
    handler: async (_req, res, { temporal, prisma, config }) => {
      res.json(await rebuildSessionProjection(temporal, prisma, config.temporal.taskQueue));
    },
  },
  {
    method: 'GET',
    path: S,
    role: 'viewer',
    tag: 'sessions',
    summary: "A session's state",
    handler: async (req, res, ctx) => {
      res.json(await (await handle(ctx, req)).query(stateQuery));
    },
  },
  {
    method: 'GET',
    path: `${S}/export`,
    role: 'viewer',
    tag: 'sessions',
    summary: 'Export a session as JSON (conversation, settings, totals)',
    handler: async (req, res, ctx) => {
      const h = await handle(ctx, req);
      const state = await h.query(stateQuery);
      const messages = await ctx.prisma.sessionMessage.findMany({
        where: { sessionId: state.sessionId, active: true },
        orderBy: { position: 'asc' },
      });
      res.json({
        format: 'claude-flow-session',
        version: 1,
        session: {
          title: state.title,
          owner: state.owner,
          project: state.project,
          settings: state.settings,
          parent: state.parent,
        },
        totals: state.totals,
        checkpoints: state.checkpoints.map((c) => ({
          label: c.label,
          messageCount: c.messageCount,
          gitRef: c.gitRef,
          createdAt: c.createdAt,
        })),
        messages: messages.map((m) => ({
          position: m.position,
          role: m.role,
          content: m.content,
          provider: m.provider,
          model: m.model,
          at: m.createdAt.toISOString(),
        })),
      });
    },
  },
  {
    method: 'GET',
    path: `${S}/messages`,
    role: 'viewer',
    tag: 'sessions',
    summary: 'Messages of a session',
    query: messagesQuery,
    handler: async (req, res, ctx) => {
      const sessionId = parse(id, req.params.sessionId, 'path');
      const q = parse(messagesQuery, req.query, 'query');
      const rows = await ctx.prisma.sessionMessage.findMany({
        where: { sessionId, active: true, position: { gte: q.from, lte: q.to } },
        orderBy: { position: 'asc' },
        take: q.limit,
      });
      if (rows.length === 0) await handle(ctx, req); // 404 for an unknown session, [] for an empty one
      res.json({
        messages: rows.map((m) => ({
          no: m.no,
          position: m.position,
          role: m.role,
          content: m.content,
          provider: m.provider,
          model: m.model,
          ...(m.role === 'assistant'
            ? {
                inputTokens: m.inputTokens,
                outputTokens: m.outputTokens,
                costUsd: m.costUsd === null ? null : Number(m.costUsd),
                // The memory entries the turn's prompt was given (null: recorded before this was kept).
                context: m.context ?? null,
              }
            : {}),
          at: m.createdAt,
        })),
      });
    },
  },
  {
    method: 'POST',
    path: `${S}/messages`,
    role: 'operator',
    tag: 'sessions',
    summary: 'Send a message; returns the reply',
    body: sendMessageBody,
    handler: async (req, res, ctx) => {
      requireEnabled(ctx.config);
      await updateSession(ctx, req, res, sendMessageUpdate, parse(sendMessageBody, req.body, 'body'));
    },
  },
  {
    method: 'GET',
    path: `${S}/checkpoints`,
    role: 'viewer',
    tag: 'sessions',
    summary: 'Checkpoints of a session',
    response: { schema: z.object({ checkpoints: z.array(checkpointRecord) }) },
    errors: { 404: 'No such session' },
    handler: async (req, res, ctx) => {
      res.json({ checkpoints: await (await handle(ctx, req)).query(checkpointsQuery) });
    },
  },
  {
    method: 'POST',
    path: `${S}/checkpoints`,
    role: 'operator',
    tag: 'sessions',
    summary: 'Take a checkpoint',
    description:
      "Captures the conversation, the session's own memory namespaces (never sealed entries) and the project's commit.",
    body: checkpointBody,
    response: { status: 201, schema: checkpointRecord },
    errors: {
      404: 'No such session',
      409: `${ENDED}; or it has the most checkpoints it keeps`,
      413: "The session's namespaces hold more entries than a checkpoint captures",
    },
    handler: async (req, res, ctx) => {
      await updateSession(ctx, req, res, checkpointUpdate, parse(checkpointBody, req.body ?? {}, 'body'), 201);
    },
  },
  {
    method: 'POST',
    path: `${S}/rollback`,
    role: 'operator',
    tag: 'sessions',
    summary: 'Roll back to a checkpoint',
    description:
      "Restores the conversation, the session's own memory namespaces and the project's repository together, or " +
      'none of them: every precondition (a clean working tree, no .git/index.lock, the commit still there, the ' +
      'checkpoint intact) is checked first, and a later failure puts back what was changed. The repository is put ' +
      "at the checkpoint's commit on a new branch (named in the answer); restored memory entries get new, higher " +
      'versions, so a write with an expectedVersion from before the rollback is refused.',
    body: checkpointRef,
    response: { schema: rollbackResult, description: 'The session after the rollback, and what the rollback did' },
    errors: {
      404: 'No such session, or no such checkpoint in it',
      409: `${ENDED}; or the working tree has uncommitted changes or a stale .git/index.lock (nothing was changed)`,
      422: 'The checkpoint is damaged, or its commit is no longer in the repository (nothing was changed)',
    },
    handler: async (req, res, ctx) => {
      await updateSession(ctx, req, res, rollbackUpdate, parse(checkpointRef, req.body, 'body'));
    },
  },
  {
    method: 'POST',
    path: `${S}/fork`,
    role: 'operator',
    tag: 'sessions',
    summary: 'Fork a new session from a checkpoint',
    description:
      "The fork starts from the checkpoint's conversation with memory of its own, seeded from the checkpoint: " +
      "each of the parent's namespaces has a copy under the fork (sessions/<fork>/… or forks/<fork>/…), so neither " +
      'session can change the other. Shared namespaces (settings.sharedNamespaces) stay shared.',
    body: forkBody,
    response: { status: 201, schema: forkResult },
    errors: { 404: 'No such session, or no such checkpoint in it', 409: ENDED, 422: 'The checkpoint is damaged' },
    handler: async (req, res, ctx) => {
      await updateSession(ctx, req, res, forkUpdate, parse(forkBody, req.body, 'body'), 201);
    },
  },
  {
    method: 'GET',
    path: `${S}/approvals`,
    role: 'viewer',
    tag: 'sessions',
    summary: 'Approvals: pending, and the most recent decisions',
    response: {
      schema: z.object({ pending: z.array(approvalRequest), decided: z.array(approvalOutcome) }),
    },
    errors: { 404: 'No such session' },
    handler: async (req, res, ctx) => {
      const state = await (await handle(ctx, req)).query(stateQuery);
      // Sessions started before the state showed decisions report none.
      res.json({ pending: state.pending, decided: state.decided ?? [] });
    },
  },
  {
    method: 'POST',
    path: `${S}/approvals`,
    role: 'operator',
    tag: 'sessions',
    summary: 'Request an approval',
    body: approvalBody,
    handler: async (req, res, ctx) => {
      await updateSession(ctx, req, res, requestApprovalUpdate, parse(approvalBody, req.body, 'body'), 201);
    },
  },
  {
    method: 'POST',
    path: `${S}/approvals/{requestId}`,
    role: 'operator',
    tag: 'sessions',
    summary: 'Approve or reject',
    body: decideBody,
    response: { schema: approvalOutcome },
    errors: {
      404: 'No such session, or no pending approval with that id',
      409: `${ENDED}; or the approval was already decided (by whom is in the detail)`,
    },
    handler: async (req, res, ctx) => {
      const body = parse(decideBody, req.body, 'body');
      const requestId = parse(z.string().min(1).max(200), req.params.requestId, 'path');
      await updateSession(ctx, req, res, decideUpdate, { ...body, requestId, by: 'user' });
    },
  },
  {
    method: 'POST',
    path: `${S}/workflows`,
    role: 'operator',
    tag: 'sessions',
    summary: 'Start a run from the session (its child)',
    description:
      'Takes `{type, input}`, as POST /workflows does. `params` is the deprecated old name of `input`: still ' +
      'accepted, but not together with `input` (a 400).',
    body: runBody,
    handler: async (req, res, ctx) => {
      requireEnabled(ctx.config);
      const body = parse(runBody, req.body, 'body');
      // Checked against the catalog here, so a bad input is a 400 naming the field, not a failed child.
      const def = requireType(body.type);
      const input = validateInput(def, body.input !== undefined ? body.input : body.params, ctx.config);
      await updateSession(ctx, req, res, runWorkflowUpdate, { type: def.type, input }, 201);
    },
  },
  ...signalRoutes,
];
