// What the Workflows views read from the API: types with input schemas, custom definitions, runs,
// schedules; and the Temporal Web UI address for links.
import type { RunSummary } from '../api';
import type { JsonSchema } from './SchemaForm';

export interface WorkflowType {
  type: string;
  description: string;
  webhook: boolean;
  inputSchema: JsonSchema;
}
export interface TemporalUi {
  url: string;
  namespace: string;
}
export interface TypesAnswer {
  types: WorkflowType[];
  temporalUi?: TemporalUi;
}

export interface InputSpec {
  type: 'string' | 'number' | 'boolean' | 'object' | 'array' | 'any';
  required?: boolean;
  default?: unknown;
  description?: string;
}
export interface CustomDefinition {
  name: string;
  file?: string;
  description?: string;
  inputs?: Record<string, InputSpec>;
  steps?: number;
  problems?: string[];
}

/** A custom definition's declared inputs as a JSON Schema object. */
export function inputsSchema(d: CustomDefinition | undefined): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  for (const [name, spec] of Object.entries(d?.inputs ?? {})) {
    properties[name] = {
      ...(spec.type === 'any' || spec.type === 'object' || spec.type === 'array' ? {} : { type: spec.type }),
      ...(spec.default !== undefined ? { default: spec.default } : {}),
      description: spec.description ?? `${spec.type}`,
    };
    if (spec.required) required.push(name);
  }
  return { type: 'object', properties, required, description: 'The inputs the definition declares' };
}

export interface Step {
  name: string;
  status: 'pending' | 'running' | 'done' | 'skipped' | 'failed';
  detail?: string;
  startedAt?: string;
  endedAt?: string;
  /** Custom workflows: the start of the step's output (or of the output it failed with), as JSON. */
  output?: string;
}
export interface PendingApproval {
  requestId: string;
  title: string;
  details?: string;
  deadline?: string;
  defaultOutcome?: 'approve' | 'reject';
}
export interface Progress {
  type: string;
  steps: Step[];
  completed: number;
  total: number;
  pendingApprovals: PendingApproval[];
}
/** A `progress` event on `workflow:<id>`: one step, or several at once (steps a run will not run). */
export interface ProgressEvent {
  step?: Step;
  steps?: Step[];
  completed?: number;
  total?: number;
}

/** `p` with the steps of a progress event put in (by name; new ones at the end). */
export function withProgressEvent(p: Progress, e: ProgressEvent): Progress {
  const changed = e.steps ?? (e.step ? [e.step] : []);
  if (changed.length === 0) return p;
  const byName = new Map(changed.map((s) => [s.name, s]));
  const steps = p.steps.map((s) => byName.get(s.name) ?? s);
  for (const s of changed) if (!p.steps.some((o) => o.name === s.name)) steps.push(s);
  return { ...p, steps, completed: e.completed ?? p.completed, total: e.total ?? p.total };
}

export type ReportKind = 'markdown' | 'sarif' | 'json' | 'junit';
export interface RunDetail extends RunSummary {
  runId: string;
  parentWorkflowId?: string;
  input?: unknown;
  progress?: Progress;
  result?: unknown;
  failure?: { message: string; type?: string };
  reports?: Partial<Record<ReportKind, string>>;
}
export interface Finding {
  rule: string;
  severity: 'critical' | 'high' | 'medium' | 'low' | 'info';
  message: string;
  path?: string;
  line?: number;
  source?: string;
  title?: string;
}

export interface ScheduleRow {
  scheduleId: string;
  type?: string;
  cron?: string;
  every?: string;
  paused: boolean;
  note?: string;
  nextRuns: string[];
  lastRun?: string;
  createdBy?: string;
}

export const RUN_STATUSES = ['running', 'completed', 'failed', 'cancelled', 'terminated', 'timed_out'];
export const runPath = (workflowId: string) => `/workflows/runs/${encodeURIComponent(workflowId)}`;
export const apiRunPath = (workflowId: string) => `/workflows/${encodeURIComponent(workflowId)}`;

/** The run in the Temporal Web UI (its latest run when `runId` is not given). */
export function temporalLink(ui: TemporalUi | undefined, workflowId: string, runId?: string): string | undefined {
  if (!ui) return undefined;
  const base = `${ui.url}/namespaces/${encodeURIComponent(ui.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
  return runId ? `${base}/${encodeURIComponent(runId)}/history` : base;
}

/** "1.2 s", "3 min 4 s", "2 h 5 min". */
export function duration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s % 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** An input handed from a run's "Edit and run again" to the start form (read once). */
let draft: { type: string; input: unknown } | undefined;
export function setDraft(d: { type: string; input: unknown }) {
  draft = d;
}
export function takeDraft(type: string): unknown {
  const d = draft?.type === type ? draft.input : undefined;
  draft = undefined;
  return d;
}
