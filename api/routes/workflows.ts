// /api/claude-flow/workflows: the catalog of workflow types, starting runs (directly or as a
// session's child), listing and describing runs, cancel/terminate, and answering their approvals.
// Progress streams as live events on `workflow:<id>` (GET /live, /live/sse).
import { WorkflowNotFoundError } from '@temporalio/client';
import { z } from 'zod';
import type { Config } from '../../lib/config';
import {
  DefinitionError,
  definitionsDir,
  listDefinitionNames,
  loadDefinition,
  validateOptions,
} from '../../lib/custom-workflows';
import { ProblemError, conflict, notFound, unavailable } from '../../lib/errors';
import {
  RUN_STATUSES,
  chosenWorkflowId,
  describeRun,
  listRuns,
  requireType,
  startRun,
  validateInput,
} from '../../lib/workflow-runs';
import { WORKFLOW_TYPES } from '../../lib/workflow-types';
import { progressQuery } from '../../workflows/contract/runs';
import { approvalDecidedSignal, decideUpdate, runWorkflowUpdate } from '../../workflows/contract/session-messages';
import { sessionIdOf, sessionWorkflowId, type ApprovalOutcome } from '../../workflows/contract/session';
import { schemaOf } from '../json-schema';
import { BASE, type RouteSpec } from '../route-spec';
import { parse, withoutNul } from '../validate';

/** Any run's id (children of custom workflows have `/` in theirs). */
const runIdText = z
  .string()
  .min(1)
  .max(1000)
  // eslint-disable-next-line no-control-regex -- control characters are what this rejects
  .refine((s) => !/[\u0000-\u001f\u007f]/.test(s), 'a workflow id (printable characters)');
const sessionIdText = z.string().regex(/^[A-Za-z0-9_-]{1,100}$/, 'letters, digits, _ and - (1-100)');

const startWorkflowBody = z
  .object({
    type: z.string().min(1).max(100).describe('A type from GET /workflows/types'),
    input: z.unknown().optional().describe("The type's input (see its inputSchema)"),
    workflowId: chosenWorkflowId.optional().describe('Choose the id (default: <type>-<uuid>)'),
    sessionId: sessionIdText.optional().describe("Run as a child of this session (shows in the session's state)"),
  })
  .strict();

const listRunsQuery = z
  .object({
    type: withoutNul(z.string().min(1).max(100)).optional(),
    status: z.enum(RUN_STATUSES).optional(),
    sessionId: sessionIdText.optional(),
    since: z.iso.datetime({ offset: true }).optional().describe('Started at or after (ISO 8601)'),
    until: z.iso.datetime({ offset: true }).optional().describe('Started before (ISO 8601)'),
    limit: z.coerce.number().int().min(1).max(500).default(50),
    pageToken: z.string().max(4000).optional(),
  })
  .strict();

const terminateBody = z.object({ reason: z.string().max(500).optional() }).strict();
const workflowDecideBody = z
  .object({ decision: z.enum(['approve', 'reject']), comment: z.string().max(5_000).optional() })
  .strict();

const requireEnabled = (config: Config) => {
  if (!config.enabled)
    throw unavailable('Claude Flow is disabled (CLAUDE_FLOW_ENABLED=false): workflows cannot be started');
};

const W = `${BASE}/workflows`;

export const routes: RouteSpec[] = [
  {
    method: 'GET',
    path: `${W}/types`,
    role: 'viewer',
    tag: 'workflows',
    summary: 'Workflow types that can be started, with their input schemas',
    handler: (_req, res) => {
      res.json({
        types: WORKFLOW_TYPES.map((d) => ({
          type: d.type,
          description: d.description,
          webhook: Boolean(d.fromWebhook),
          inputSchema: schemaOf(d.input),
        })),
      });
    },
  },
  {
    method: 'GET',
    path: `${W}/types/custom/definitions`,
    role: 'viewer',
    tag: 'workflows',
    summary: 'Custom workflow definitions (.claude-flow/workflows/*.yaml), each checked, with its problems',
    // The custom workflow definitions this host can see, each loaded and checked as a run would.
    handler: (_req, res, { config }) => {
      const options = validateOptions(
        config,
        WORKFLOW_TYPES.map((d) => d.type),
      );
      res.json({
        dir: definitionsDir(config.workspaceDir),
        definitions: listDefinitionNames(config.workspaceDir).map((name) => {
          try {
            const d = loadDefinition(config.workspaceDir, name, options);
            return {
              name,
              file: d.file,
              hash: d.hash,
              ...(d.definition.description ? { description: d.definition.description } : {}),
              inputs: d.definition.inputs,
              steps: d.definition.steps.length,
            };
          } catch (err) {
            if (!(err instanceof DefinitionError)) throw err;
            return { name, problems: err.problems };
          }
        }),
      });
    },
  },
  {
    method: 'POST',
    path: W,
    role: 'operator',
    tag: 'workflows',
    summary: 'Start a workflow run (optionally as a child of a session)',
    body: startWorkflowBody,
    handler: async (req, res, { temporal, config }) => {
      requireEnabled(config);
      const body = parse(startWorkflowBody, req.body, 'body');
      if (!body.sessionId) {
        res.status(202).json(await startRun(temporal, config, body));
        return;
      }
      // A session's child: the session starts it (and shows it in its state and approvals).
      const def = requireType(body.type);
      const input = validateInput(def, body.input, config);
      const session = temporal.workflow.getHandle(sessionWorkflowId(body.sessionId));
      try {
        const { workflowId } = await session.executeUpdate(runWorkflowUpdate, { args: [{ type: def.type, input }] });
        const d = await temporal.workflow.getHandle(workflowId).describe();
        res.status(202).json({ workflowId, runId: d.runId, type: def.type, sessionId: body.sessionId });
      } catch (err) {
        // A refused update goes on to the error border, which answers it by its failure type.
        if (err instanceof WorkflowNotFoundError) throw notFound(`No session ${body.sessionId}`);
        throw err;
      }
    },
  },
  {
    method: 'GET',
    path: W,
    role: 'viewer',
    tag: 'workflows',
    summary: 'List runs (type, status, session, time), newest first',
    query: listRunsQuery,
    handler: async (req, res, { temporal }) => {
      const q = parse(listRunsQuery, req.query, 'query');
      if (q.type) requireType(q.type);
      res.json(
        await listRuns(
          temporal,
          {
            type: q.type,
            status: q.status,
            sessionId: q.sessionId,
            since: q.since ? new Date(q.since) : undefined,
            until: q.until ? new Date(q.until) : undefined,
          },
          { limit: q.limit, pageToken: q.pageToken },
        ),
      );
    },
  },
  {
    method: 'GET',
    path: `${W}/{workflowId}`,
    role: 'viewer',
    tag: 'workflows',
    summary: 'A run: status, progress, result or failure',
    handler: async (req, res, { temporal }) => {
      res.json(await describeRun(temporal, parse(runIdText, req.params.workflowId, 'path')));
    },
  },
  {
    method: 'POST',
    path: `${W}/{workflowId}/cancel`,
    role: 'operator',
    tag: 'workflows',
    summary: 'Cancel a run (its steps stop; subprocesses are killed)',
    handler: async (req, res, { temporal }) => {
      const run = await describeRun(temporal, parse(runIdText, req.params.workflowId, 'path'));
      if (run.status !== 'running')
        throw new ProblemError(409, 'Conflict', `${run.workflowId} is ${run.status}, not running`);
      await temporal.workflow.getHandle(run.workflowId).cancel();
      res.status(202).json({ workflowId: run.workflowId, status: 'cancelling' });
    },
  },
  {
    method: 'POST',
    path: `${W}/{workflowId}/terminate`,
    role: 'admin',
    tag: 'workflows',
    summary: 'Terminate a run at once (no cleanup)',
    body: terminateBody,
    handler: async (req, res, { temporal }) => {
      const body = parse(terminateBody, req.body ?? {}, 'body');
      const run = await describeRun(temporal, parse(runIdText, req.params.workflowId, 'path'));
      if (run.status !== 'running')
        throw new ProblemError(409, 'Conflict', `${run.workflowId} is ${run.status}, not running`);
      await temporal.workflow
        .getHandle(run.workflowId)
        .terminate(body.reason ?? `terminated by ${req.principal?.name ?? 'an admin'}`);
      res.status(202).json({ workflowId: run.workflowId, status: 'terminated' });
    },
  },
  {
    method: 'POST',
    path: `${W}/{workflowId}/approvals/{requestId}`,
    role: 'operator',
    tag: 'workflows',
    summary: "Answer a run's pending approval",
    body: workflowDecideBody,
    handler: async (req, res, { temporal }) => {
      const workflowId = parse(runIdText, req.params.workflowId, 'path');
      const requestId = parse(z.string().min(1).max(300), req.params.requestId, 'path');
      const body = parse(workflowDecideBody, req.body, 'body');
      const handle = temporal.workflow.getHandle(workflowId);
      let parent: string | undefined;
      try {
        const d = await handle.describe();
        if (d.status.name !== 'RUNNING') throw new ProblemError(409, 'Conflict', `${workflowId} is not running`);
        parent = d.parentExecution?.workflowId ?? undefined;
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) throw notFound(`No workflow run ${workflowId}`);
        throw err;
      }
      const progress = await handle.query(progressQuery).catch(() => undefined);
      if (!progress?.pendingApprovals.some((p) => p.requestId === requestId)) {
        throw new ProblemError(409, 'Conflict', `${workflowId} has no pending approval ${requestId}`);
      }
      const by = req.principal?.name ?? 'user';
      if (parent && sessionIdOf(parent) !== undefined) {
        // Asked through its session: decide there, so the session's state and history agree.
        const outcome = await temporal.workflow
          .getHandle(parent)
          .executeUpdate(decideUpdate, { args: [{ requestId, decision: body.decision, comment: body.comment, by }] })
          .catch((err: unknown) => {
            // The session closed since describe(); a refused decision goes on to the error border.
            if (err instanceof WorkflowNotFoundError)
              throw conflict(`${parent} has closed: the approval can no longer be decided`);
            throw err;
          });
        res.json(outcome);
        return;
      }
      const outcome: ApprovalOutcome = {
        requestId,
        outcome: body.decision === 'approve' ? 'approved' : 'rejected',
        decidedBy: by,
        ...(body.comment ? { comment: body.comment } : {}),
        decidedAt: new Date().toISOString(),
      };
      await handle.signal(approvalDecidedSignal, outcome);
      res.json(outcome);
    },
  },
];
