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
import fs from 'node:fs';
import path from 'node:path';
import { ProblemError, conflict, notFound, unavailable } from '../../lib/errors';
import {
  RUN_STATUSES,
  chosenWorkflowId,
  describeRun,
  listRuns,
  requireType,
  runInput,
  startRun,
  validateInput,
} from '../../lib/workflow-runs';
import { publish } from '../../lib/live';
import { publishRunChange } from '../../lib/run-events';
import { REPORT_KINDS, REPORT_TYPES, reportFiles, reportPath } from '../../lib/workflow-reports';
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
    description:
      '`temporalUi` is the Temporal Web UI that runs can be looked at in (TEMPORAL_UI_URL, or the embedded one `npm start` runs): a run is at `{url}/namespaces/{namespace}/workflows/{workflowId}`. Absent when none is known.',
    handler: (_req, res, { config }) => {
      res.json({
        types: WORKFLOW_TYPES.map((d) => ({
          type: d.type,
          description: d.description,
          webhook: Boolean(d.fromWebhook),
          inputSchema: schemaOf(d.input),
        })),
        ...(config.temporal.uiUrl
          ? { temporalUi: { url: config.temporal.uiUrl, namespace: config.temporal.namespace } }
          : {}),
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
    handler: async (req, res, { temporal, config, pool }) => {
      requireEnabled(config);
      const body = parse(startWorkflowBody, req.body, 'body');
      if (!body.sessionId) {
        const started = await startRun(temporal, config, body);
        await publishRunChange(pool, 'started', { workflowId: started.workflowId, type: started.type });
        res.status(202).json(started);
        return;
      }
      // A session's child: the session starts it (and shows it in its state and approvals).
      const def = requireType(body.type);
      const input = validateInput(def, body.input, config);
      const session = temporal.workflow.getHandle(sessionWorkflowId(body.sessionId));
      try {
        const { workflowId } = await session.executeUpdate(runWorkflowUpdate, { args: [{ type: def.type, input }] });
        const d = await temporal.workflow.getHandle(workflowId).describe();
        await publishRunChange(pool, 'started', { workflowId, type: def.type, sessionId: body.sessionId });
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
    handler: async (req, res, { temporal, config }) => {
      const q = parse(listRunsQuery, req.query, 'query');
      if (q.type) requireType(q.type);
      res.json(
        await listRuns(
          temporal,
          {
            taskQueue: config.temporal.taskQueue,
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
    summary: 'A run: status, input, progress, result or failure, and the reports it wrote',
    description:
      '`reports` names the report files the result names by kind (markdown, sarif, json, junit); GET /workflows/{workflowId}/reports/{kind} serves them.',
    handler: async (req, res, { temporal }) => {
      const workflowId = parse(runIdText, req.params.workflowId, 'path');
      const [run, input] = await Promise.all([
        describeRun(temporal, workflowId),
        runInput(temporal, workflowId).catch(() => undefined),
      ]);
      const reports = reportFiles(run.result, input);
      res.json({
        ...run,
        ...(input !== undefined ? { input } : {}),
        ...(Object.keys(reports).length ? { reports } : {}),
      });
    },
  },
  {
    method: 'GET',
    path: `${W}/{workflowId}/reports/{kind}`,
    role: 'viewer',
    tag: 'workflows',
    summary: 'Download a report a run wrote (markdown, sarif, json, junit)',
    description:
      "Serves only the file the run's result names, and only from the run's reports directory (<repository>/.claude-flow/reports or its reportDir; a testRun's JUnit file from inside its repository), after following symlinks.",
    errors: {
      404: 'The run has no such report, the file is not on this host (written on another worker machine, or deleted), or it is outside the reports directory',
    },
    handler: async (req, res, { temporal }) => {
      const workflowId = parse(runIdText, req.params.workflowId, 'path');
      const kind = parse(z.enum(REPORT_KINDS), req.params.kind, 'path');
      // describeRun answers an unknown id with the 404; the history read cannot fail first.
      const [run, input] = await Promise.all([
        describeRun(temporal, workflowId),
        runInput(temporal, workflowId).catch(() => undefined),
      ]);
      const file = reportPath(workflowId, kind, run.result, input);
      res.attachment(path.basename(file)); // sets a Content-Type by extension: replaced by the kind's
      res.setHeader('Content-Type', REPORT_TYPES[kind]);
      res.setHeader('X-Content-Type-Options', 'nosniff');
      res.send(fs.readFileSync(file));
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
    handler: async (req, res, { temporal, pool }) => {
      const body = parse(terminateBody, req.body ?? {}, 'body');
      const run = await describeRun(temporal, parse(runIdText, req.params.workflowId, 'path'));
      if (run.status !== 'running')
        throw new ProblemError(409, 'Conflict', `${run.workflowId} is ${run.status}, not running`);
      const reason = body.reason ?? `terminated by ${req.principal?.name ?? 'an admin'}`;
      await temporal.workflow.getHandle(run.workflowId).terminate(reason);
      // A terminated run runs no more code, so nobody else announces its end.
      await publish(pool, `workflow:${run.workflowId}`, 'terminated', { type: run.type, message: reason });
      await publishRunChange(pool, 'terminated', { workflowId: run.workflowId, type: run.type });
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
