// Every route the API serves, in one table: who may call it, what it takes, what it does.
// Access control (access.ts), the audit trail, metrics and the OpenAPI document all read this
// table, so a route cannot exist without a declared role. A request matching no entry needs admin.
import type { Request } from 'express';
import type { z } from 'zod';
import type { Config } from '../lib/config';
import { isUnder } from '../lib/memory/names';
import type { Role } from './auth/roles';
import { auditQuery } from './routes/audit';
import { loginBody } from './routes/auth';
import { createKeyBody } from './routes/keys';
import { sseQuery } from './routes/live';
import { usageQuery } from './routes/analytics';
import * as memory from './routes/memory';
import * as schedules from './routes/schedules';
import * as sessions from './routes/sessions';
import * as workflows from './routes/workflows';

export const BASE = '/api/claude-flow';

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** `public`: no credentials needed (the route checks its own, e.g. a webhook signature). */
export type Access = Role | 'public';

export interface RouteSpec {
  method: Method;
  /** OpenAPI path template; `{path}` spans several segments (a memory namespace and key). */
  path: string;
  /** The least role allowed; `escalate` may raise it for one request. */
  role: Access;
  /** A stricter role for this request (e.g. admin for a sealed memory namespace). */
  escalate?: (req: Request, config: Config) => Role | undefined;
  summary: string;
  query?: z.ZodType;
  body?: z.ZodType;
  tag: string;
}

/** Segments after `prefix` in the request path, decoded. */
function segmentsAfter(req: Request, prefix: string): string[] {
  const rest = req.path
    .slice(BASE.length + prefix.length)
    .split('/')
    .filter(Boolean);
  return rest.map((s) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  });
}
const sealed = (config: Config, namespace: unknown) =>
  typeof namespace === 'string' && config.memory.sealed.some((p) => isUnder(namespace, p) || isUnder(p, namespace));
/** Admin when the entry path (`/memory/entries/<ns>/<key>`) is in a sealed namespace. */
const sealedEntry =
  (prefix: string) =>
  (req: Request, config: Config): Role | undefined => {
    const segs = segmentsAfter(req, prefix);
    const ns = segs
      .slice(0, -1)
      .map((s) => `${s}/`)
      .join('');
    return ns && config.memory.sealed.some((p) => isUnder(ns, p)) ? 'admin' : undefined;
  };
/** Admin when a namespace filter (query) or the body names a sealed namespace. */
const sealedQuery = (req: Request, config: Config): Role | undefined =>
  sealed(config, (req.query as Record<string, unknown>).namespace) ? 'admin' : undefined;
const sealedBody = (req: Request, config: Config): Role | undefined => {
  const b = (req.body ?? {}) as { from?: unknown; to?: unknown; entries?: { namespace?: unknown }[] };
  const names = [b.from, b.to, ...(Array.isArray(b.entries) ? b.entries.map((e) => e?.namespace) : [])];
  return names.some((n) => sealed(config, n)) ? 'admin' : undefined;
};

const S = `${BASE}/sessions/{sessionId}`;

export const ROUTES: RouteSpec[] = [
  {
    method: 'POST',
    path: `${BASE}/webhooks/github`,
    role: 'public',
    tag: 'webhooks',
    summary: 'GitHub webhook deliveries (authenticated by X-Hub-Signature-256); configured events start a workflow',
  },
  // Authentication and administration
  {
    method: 'POST',
    path: `${BASE}/auth/login`,
    role: 'public',
    tag: 'auth',
    summary: 'Log in with an API key: sets an httpOnly login cookie',
    body: loginBody,
  },
  { method: 'POST', path: `${BASE}/auth/logout`, role: 'public', tag: 'auth', summary: 'End the login of this cookie' },
  { method: 'GET', path: `${BASE}/auth/me`, role: 'viewer', tag: 'auth', summary: 'Who the caller is and their role' },
  {
    method: 'POST',
    path: `${BASE}/keys`,
    role: 'admin',
    tag: 'keys',
    summary: 'Create an API key (the key is shown once)',
    body: createKeyBody,
  },
  { method: 'GET', path: `${BASE}/keys`, role: 'admin', tag: 'keys', summary: 'List API keys (never their secrets)' },
  { method: 'DELETE', path: `${BASE}/keys/{keyId}`, role: 'admin', tag: 'keys', summary: 'Revoke an API key' },
  {
    method: 'GET',
    path: `${BASE}/audit`,
    role: 'admin',
    tag: 'audit',
    summary: 'The audit trail of mutating calls, newest first',
    query: auditQuery,
  },
  // Analytics
  {
    method: 'GET',
    path: `${BASE}/analytics/usage`,
    role: 'viewer',
    tag: 'analytics',
    summary: 'Model usage: tokens, cost, calls, failures, grouped',
    query: usageQuery,
  },
  {
    method: 'GET',
    path: `${BASE}/analytics/workflows`,
    role: 'viewer',
    tag: 'analytics',
    summary: 'Workflow runs by type: count, success rate, duration percentiles',
    query: workflows.workflowAnalyticsQuery,
  },
  // Development workflows
  {
    method: 'GET',
    path: `${BASE}/workflows/types`,
    role: 'viewer',
    tag: 'workflows',
    summary: 'Workflow types that can be started, with their input schemas',
  },
  {
    method: 'GET',
    path: `${BASE}/workflows/types/custom/definitions`,
    role: 'viewer',
    tag: 'workflows',
    summary: 'Custom workflow definitions (.claude-flow/workflows/*.yaml), each checked, with its problems',
  },
  {
    method: 'POST',
    path: `${BASE}/workflows`,
    role: 'operator',
    tag: 'workflows',
    summary: 'Start a workflow run (optionally as a child of a session)',
    body: workflows.startWorkflowBody,
  },
  {
    method: 'GET',
    path: `${BASE}/workflows`,
    role: 'viewer',
    tag: 'workflows',
    summary: 'List runs (type, status, session, time), newest first',
    query: workflows.listRunsQuery,
  },
  {
    method: 'GET',
    path: `${BASE}/workflows/{workflowId}`,
    role: 'viewer',
    tag: 'workflows',
    summary: 'A run: status, progress, result or failure',
  },
  {
    method: 'POST',
    path: `${BASE}/workflows/{workflowId}/cancel`,
    role: 'operator',
    tag: 'workflows',
    summary: 'Cancel a run (its steps stop; subprocesses are killed)',
  },
  {
    method: 'POST',
    path: `${BASE}/workflows/{workflowId}/terminate`,
    role: 'admin',
    tag: 'workflows',
    summary: 'Terminate a run at once (no cleanup)',
    body: workflows.terminateBody,
  },
  {
    method: 'POST',
    path: `${BASE}/workflows/{workflowId}/approvals/{requestId}`,
    role: 'operator',
    tag: 'workflows',
    summary: "Answer a run's pending approval",
    body: workflows.workflowDecideBody,
  },
  // Schedules
  {
    method: 'POST',
    path: `${BASE}/schedules`,
    role: 'operator',
    tag: 'schedules',
    summary: 'Create a Temporal Schedule for a workflow type (cron or interval)',
    body: schedules.createScheduleBody,
  },
  { method: 'GET', path: `${BASE}/schedules`, role: 'viewer', tag: 'schedules', summary: 'List schedules' },
  {
    method: 'GET',
    path: `${BASE}/schedules/{scheduleId}`,
    role: 'viewer',
    tag: 'schedules',
    summary: 'A schedule: spec, state, next and recent runs',
  },
  {
    method: 'POST',
    path: `${BASE}/schedules/{scheduleId}/pause`,
    role: 'operator',
    tag: 'schedules',
    summary: 'Pause a schedule',
    body: schedules.noteBody,
  },
  {
    method: 'POST',
    path: `${BASE}/schedules/{scheduleId}/unpause`,
    role: 'operator',
    tag: 'schedules',
    summary: 'Unpause a schedule',
    body: schedules.noteBody,
  },
  {
    method: 'POST',
    path: `${BASE}/schedules/{scheduleId}/trigger`,
    role: 'operator',
    tag: 'schedules',
    summary: 'Start a run of a schedule now',
  },
  {
    method: 'POST',
    path: `${BASE}/schedules/{scheduleId}/backfill`,
    role: 'operator',
    tag: 'schedules',
    summary: 'Run a schedule for the times it would have fired in a past range',
    body: schedules.backfillBody,
  },
  {
    method: 'DELETE',
    path: `${BASE}/schedules/{scheduleId}`,
    role: 'operator',
    tag: 'schedules',
    summary: 'Delete a schedule (its past runs stay)',
  },
  // Memory
  {
    method: 'GET',
    path: `${BASE}/memory/entries`,
    role: 'viewer',
    escalate: sealedQuery,
    tag: 'memory',
    summary: 'List entries',
    query: memory.listQuery,
  },
  {
    method: 'GET',
    path: `${BASE}/memory/entries/{path}`,
    role: 'viewer',
    escalate: sealedEntry('/memory/entries'),
    tag: 'memory',
    summary: 'Read one entry (path: namespace/key)',
  },
  {
    method: 'PUT',
    path: `${BASE}/memory/entries/{path}`,
    role: 'operator',
    escalate: sealedEntry('/memory/entries'),
    tag: 'memory',
    summary: 'Write one entry',
    body: memory.entryBody,
  },
  {
    method: 'DELETE',
    path: `${BASE}/memory/entries/{path}`,
    role: 'operator',
    escalate: sealedEntry('/memory/entries'),
    tag: 'memory',
    summary: 'Delete one entry',
    query: memory.deleteQuery,
  },
  {
    method: 'GET',
    path: `${BASE}/memory/versions/{path}`,
    role: 'viewer',
    escalate: sealedEntry('/memory/versions'),
    tag: 'memory',
    summary: 'Kept versions of one entry, newest first',
  },
  {
    method: 'GET',
    path: `${BASE}/memory/search`,
    role: 'viewer',
    escalate: sealedQuery,
    tag: 'memory',
    summary: 'Ranked full-text search',
    query: memory.searchQuery,
  },
  {
    method: 'POST',
    path: `${BASE}/memory/bulk`,
    role: 'operator',
    escalate: sealedBody,
    tag: 'memory',
    summary: 'Write many entries in one transaction',
    body: memory.bulkBody,
  },
  {
    method: 'GET',
    path: `${BASE}/memory/namespaces`,
    role: 'viewer',
    tag: 'memory',
    summary: 'Namespaces with entry counts and sizes',
    query: memory.namespacesQuery,
  },
  {
    method: 'POST',
    path: `${BASE}/memory/namespaces/copy`,
    role: 'operator',
    escalate: sealedBody,
    tag: 'memory',
    summary: 'Copy a namespace subtree',
    body: memory.transferBody,
  },
  {
    method: 'POST',
    path: `${BASE}/memory/namespaces/move`,
    role: 'operator',
    escalate: sealedBody,
    tag: 'memory',
    summary: 'Move a namespace subtree',
    body: memory.transferBody,
  },
  {
    method: 'DELETE',
    path: `${BASE}/memory/namespaces/{path}`,
    role: 'admin',
    tag: 'memory',
    summary: 'Clear a namespace and everything under it',
  },
  // Export and import can carry sealed namespaces in bulk: admin until they filter by role.
  { method: 'GET', path: `${BASE}/memory/export`, role: 'admin', tag: 'memory', summary: 'Export entries as JSONL' },
  { method: 'POST', path: `${BASE}/memory/import`, role: 'admin', tag: 'memory', summary: 'Import entries from JSONL' },
  // Sessions
  {
    method: 'POST',
    path: `${BASE}/sessions`,
    role: 'operator',
    tag: 'sessions',
    summary: 'Start a session',
    body: sessions.createSessionBody,
  },
  {
    method: 'GET',
    path: `${BASE}/sessions`,
    role: 'viewer',
    tag: 'sessions',
    summary: 'List sessions',
    query: sessions.listQuery,
  },
  {
    method: 'POST',
    path: `${BASE}/sessions/import`,
    role: 'operator',
    tag: 'sessions',
    summary: 'Import a session exported with GET /sessions/{sessionId}/export (starts a new session)',
    body: sessions.importBody,
  },
  {
    method: 'POST',
    path: `${BASE}/sessions/rebuild-projection`,
    role: 'admin',
    tag: 'sessions',
    summary: 'Rewrite the sessions table from Temporal (the source of truth)',
  },
  { method: 'GET', path: S, role: 'viewer', tag: 'sessions', summary: "A session's state" },
  {
    method: 'GET',
    path: `${S}/export`,
    role: 'viewer',
    tag: 'sessions',
    summary: 'Export a session as JSON (conversation, settings, totals)',
  },
  {
    method: 'GET',
    path: `${S}/messages`,
    role: 'viewer',
    tag: 'sessions',
    summary: 'Messages of a session',
    query: sessions.messagesQuery,
  },
  {
    method: 'POST',
    path: `${S}/messages`,
    role: 'operator',
    tag: 'sessions',
    summary: 'Send a message; returns the reply',
    body: sessions.sendMessageBody,
  },
  { method: 'GET', path: `${S}/checkpoints`, role: 'viewer', tag: 'sessions', summary: 'Checkpoints of a session' },
  {
    method: 'POST',
    path: `${S}/checkpoints`,
    role: 'operator',
    tag: 'sessions',
    summary: 'Take a checkpoint',
    body: sessions.checkpointBody,
  },
  {
    method: 'POST',
    path: `${S}/rollback`,
    role: 'operator',
    tag: 'sessions',
    summary: 'Roll back to a checkpoint',
    body: sessions.checkpointRef,
  },
  {
    method: 'POST',
    path: `${S}/fork`,
    role: 'operator',
    tag: 'sessions',
    summary: 'Fork a new session from a checkpoint',
    body: sessions.forkBody,
  },
  { method: 'GET', path: `${S}/approvals`, role: 'viewer', tag: 'sessions', summary: 'Pending approvals' },
  {
    method: 'POST',
    path: `${S}/approvals`,
    role: 'operator',
    tag: 'sessions',
    summary: 'Request an approval',
    body: sessions.approvalBody,
  },
  {
    method: 'POST',
    path: `${S}/approvals/{requestId}`,
    role: 'operator',
    tag: 'sessions',
    summary: 'Approve or reject',
    body: sessions.decideBody,
  },
  {
    method: 'POST',
    path: `${S}/workflows`,
    role: 'operator',
    tag: 'sessions',
    summary: 'Run a workflow from the session',
    body: sessions.runBody,
  },
  {
    method: 'POST',
    path: `${S}/pause`,
    role: 'operator',
    tag: 'sessions',
    summary: 'Pause',
    body: sessions.reasonBody,
  },
  {
    method: 'POST',
    path: `${S}/resume`,
    role: 'operator',
    tag: 'sessions',
    summary: 'Resume',
    body: sessions.reasonBody,
  },
  {
    method: 'POST',
    path: `${S}/end`,
    role: 'operator',
    tag: 'sessions',
    summary: 'End the session',
    body: sessions.reasonBody,
  },
  // Live updates
  { method: 'GET', path: `${BASE}/live`, role: 'viewer', tag: 'live', summary: 'WebSocket: subscribe to live events' },
  {
    method: 'GET',
    path: `${BASE}/live/sse`,
    role: 'viewer',
    tag: 'live',
    summary: 'Server-sent events: the live stream for curl and EventSource',
    query: sseQuery,
  },
  // Temporal payload codec (used by the Temporal Web UI)
  { method: 'POST', path: `${BASE}/codec/decode`, role: 'viewer', tag: 'codec', summary: 'Decode Temporal payloads' },
  { method: 'POST', path: `${BASE}/codec/encode`, role: 'operator', tag: 'codec', summary: 'Encode Temporal payloads' },
  // Documentation and operations
  { method: 'GET', path: `${BASE}/openapi.json`, role: 'public', tag: 'docs', summary: 'This API as OpenAPI 3.1' },
  { method: 'GET', path: `${BASE}/docs`, role: 'public', tag: 'docs', summary: 'API reference (HTML)' },
  { method: 'GET', path: '/metrics', role: 'viewer', tag: 'operations', summary: 'Prometheus metrics' },
  { method: 'GET', path: '/healthz', role: 'public', tag: 'operations', summary: 'Liveness' },
  {
    method: 'GET',
    path: '/readyz',
    role: 'public',
    tag: 'operations',
    summary: 'Readiness of Postgres, migrations, Temporal and a worker',
  },
];

const compiled = ROUTES.map((spec) => ({
  spec,
  re: new RegExp(
    '^' +
      spec.path
        .split(/(\{[A-Za-z]+\})/)
        .map((part) => {
          if (part === '{path}') return '.+';
          if (/^\{[A-Za-z]+\}$/.test(part)) return '[^/]+';
          return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        })
        .join('') +
      '/?$',
  ),
}));

/** The declared route for a method and path; undefined for a path the API does not declare. */
export function routeFor(method: string, path: string): RouteSpec | undefined {
  const m = method === 'HEAD' ? 'GET' : method;
  // Literal routes (`/memory/namespaces/copy`) win over templates: they come first within a method.
  return compiled.find((c) => c.spec.method === m && c.re.test(path))?.spec;
}
