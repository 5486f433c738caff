// The side effects of custom workflows: loading and pinning a definition, and the shell, http and
// memory steps. (ai, github, approval and child steps use the shared activities and workflow APIs.)
import path from 'node:path';
import { ApplicationFailure, Context } from '@temporalio/activity';
import {
  DefinitionError,
  loadDefinition,
  validateOptions,
  parseDefinition,
  resolveInputs,
  sha256,
  type ValidateOptions,
} from '../../../lib/custom-workflows';
import { ProblemError } from '../../../lib/errors';
import { WORKFLOW_TYPES } from '../../../lib/workflow-types';
import type { PinnedDefinition } from '../../../workflows/contract/custom-types';
import type { CustomInput } from '../../../workflows/contract/inputs/custom';
import type { ActivityDeps } from '../../deps';
import { runCommand } from '../process';

/** Where pinned definitions are kept, keyed by content hash. */
export const DEFINITIONS_NAMESPACE = 'workflows/definitions/';
/** Output kept per shell stream and per http body (the tail / the start). */
export const MAX_STEP_OUTPUT_BYTES = 64 * 1024;

export const CUSTOM_ERROR = {
  invalid: 'CustomWorkflowInvalid',
  shell: 'ShellStepFailed',
  http: 'HttpStepFailed',
  memory: 'MemoryStepFailed',
} as const;

interface StoredDefinition {
  name: string;
  file: string;
  source: string;
}

export interface ShellStepInput {
  command: string;
  args: string[];
  cwd?: string;
  env?: Record<string, string>;
  timeoutMs: number;
  allowFailure: boolean;
}

export interface ShellStepOutput {
  exitCode: number | null;
  /** stdout without the trailing newline. */
  text: string;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  truncated: boolean;
  durationMs: number;
}

export interface HttpStepInput {
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: unknown;
  timeoutMs: number;
  expectStatus?: number[];
  /** Sent as the Idempotency-Key header (unless the step sets one): workflow id + step. */
  idempotencyKey: string;
}

export interface HttpStepOutput {
  status: number;
  ok: boolean;
  headers: Record<string, string>;
  /** Parsed JSON when the response says it is JSON, else text. */
  body: unknown;
  truncated: boolean;
}

export type MemoryStepInput =
  | { action: 'get'; namespace: string; key: string }
  | { action: 'set'; namespace: string; key: string; value: unknown; tags?: string[]; ttlSeconds?: number }
  | { action: 'search'; query: string; namespace?: string; limit: number };

const invalid = (err: DefinitionError) =>
  ApplicationFailure.create({
    type: CUSTOM_ERROR.invalid,
    nonRetryable: true,
    message: err.message,
    details: [err.problems],
  });

function workflowId(): string {
  const info = Context.current().info;
  return info.workflowExecution?.workflowId ?? `activity-${info.activityId}`;
}

export function createCustomWorkflowActivities({ config, memory }: ActivityDeps) {
  const options = (): ValidateOptions =>
    validateOptions(
      config,
      WORKFLOW_TYPES.map((t) => t.type),
    );
  const workspace = config.workspaceDir;

  return {
    /**
     * Reads, validates and pins a definition: the parsed definition goes into the run's history
     * (so the run never reads the file again) and its source is kept in memory under its sha256.
     */
    async customLoadDefinition(input: CustomInput): Promise<PinnedDefinition> {
      try {
        let loaded: {
          name: string;
          file: string;
          hash: string;
          source: string;
          definition: PinnedDefinition['definition'];
        };
        if (input.hash) {
          const entry = await memory.get(DEFINITIONS_NAMESPACE, input.hash);
          if (!entry) {
            throw new DefinitionError([
              `no pinned definition with hash ${input.hash} (memory ${DEFINITIONS_NAMESPACE}); start by name without hash to use the current file`,
            ]);
          }
          const stored = entry.value as StoredDefinition;
          if (stored.name !== input.name) {
            throw new DefinitionError([`hash ${input.hash} is a version of "${stored.name}", not "${input.name}"`]);
          }
          const definition = parseDefinition(stored.source, stored.file, stored.name, options());
          loaded = { ...stored, hash: sha256(stored.source), definition };
        } else {
          loaded = loadDefinition(workspace, input.name, options());
          if (!(await memory.get(DEFINITIONS_NAMESPACE, loaded.hash))) {
            const value: StoredDefinition = { name: loaded.name, file: loaded.file, source: loaded.source };
            await memory
              .set({
                namespace: DEFINITIONS_NAMESPACE,
                key: loaded.hash,
                value,
                valueType: 'json',
                tags: ['custom-workflow', loaded.name],
                expectedVersion: 0,
                provenance: { workflowId: workflowId() },
              })
              .catch(async (err: unknown) => {
                // Another run pinned the same content first: the same bytes, nothing to do.
                if (!(await memory.get(DEFINITIONS_NAMESPACE, loaded.hash))) throw err;
              });
          }
        }
        const inputs = resolveInputs(loaded.name, loaded.definition.inputs, input.inputs);
        return { name: loaded.name, file: loaded.file, hash: loaded.hash, definition: loaded.definition, inputs };
      } catch (err) {
        if (err instanceof DefinitionError) throw invalid(err);
        throw err;
      }
    },

    /** Checks (and fills defaults of) a child step's input against the catalog's schema of its type. */
    async customCheckChildInput(input: { type: string; input: unknown; step: string }): Promise<unknown> {
      const def = WORKFLOW_TYPES.find((t) => t.type === input.type);
      if (!def) {
        throw ApplicationFailure.create({
          type: CUSTOM_ERROR.invalid,
          nonRetryable: true,
          message: `${input.step}: unknown workflow type "${input.type}"`,
        });
      }
      const r = def.input.safeParse(input.input);
      if (!r.success) {
        const why = r.error.issues.map((i) => `${i.path.join('.') || '(input)'}: ${i.message}`).join('; ');
        throw ApplicationFailure.create({
          type: CUSTOM_ERROR.invalid,
          nonRetryable: true,
          message: `${input.step}: the input for ${input.type} is not valid: ${why}`,
        });
      }
      return r.data;
    },

    /** One allowlisted program, argv form (never a shell), in the workspace. */
    async customShell(input: ShellStepInput): Promise<ShellStepOutput> {
      const allow = config.customWorkflows.shellAllowlist;
      if (!allow.includes(input.command) || input.command.includes('/')) {
        throw ApplicationFailure.create({
          type: CUSTOM_ERROR.shell,
          nonRetryable: true,
          message: `"${input.command}" is not on the shell allowlist (${allow.join(', ')}); set CLAUDE_FLOW_SHELL_ALLOWLIST`,
        });
      }
      const cwd = path.resolve(workspace, input.cwd ?? '.');
      const rel = path.relative(workspace, cwd);
      if (rel.startsWith('..') || path.isAbsolute(rel)) {
        throw ApplicationFailure.create({
          type: CUSTOM_ERROR.shell,
          nonRetryable: true,
          message: `cwd "${input.cwd}" is outside the workspace ${workspace}; give a path inside it`,
        });
      }
      const r = await runCommand({
        command: input.command,
        args: input.args,
        cwd,
        env: input.env,
        timeoutMs: input.timeoutMs,
        maxOutputBytes: MAX_STEP_OUTPUT_BYTES,
      }).catch((err: unknown) => {
        throw ApplicationFailure.create({
          type: CUSTOM_ERROR.shell,
          nonRetryable: true,
          message: (err as Error).message,
        });
      });
      const out: ShellStepOutput = {
        exitCode: r.exitCode,
        text: r.stdout.replace(/\r?\n$/, ''),
        stdout: r.stdout,
        stderr: r.stderr,
        timedOut: r.timedOut,
        truncated: r.truncated,
        durationMs: r.durationMs,
      };
      if (r.timedOut) {
        throw ApplicationFailure.create({
          type: CUSTOM_ERROR.shell,
          nonRetryable: true,
          message: `${input.command} did not finish within ${input.timeoutMs} ms and was killed; raise timeout`,
        });
      }
      if (r.exitCode !== 0 && !input.allowFailure) {
        const tail = (r.stderr || r.stdout).trim().split('\n').slice(-5).join('\n');
        throw ApplicationFailure.create({
          type: CUSTOM_ERROR.shell,
          nonRetryable: true,
          message: `${input.command} ${input.args.join(' ')} exited with ${r.exitCode ?? r.signal}${tail ? `: ${tail}` : ''}`,
          details: [out],
        });
      }
      return out;
    },

    /** One HTTP request; the workflow sets the attempts (retries only for idempotent methods by default). */
    async customHttp(input: HttpStepInput): Promise<HttpStepOutput> {
      const headers: Record<string, string> = { ...input.headers };
      if (!Object.keys(headers).some((h) => h.toLowerCase() === 'idempotency-key')) {
        headers['Idempotency-Key'] = input.idempotencyKey;
      }
      let body: string | undefined;
      if (input.body !== undefined && input.method !== 'GET' && input.method !== 'HEAD') {
        if (typeof input.body === 'string') body = input.body;
        else {
          body = JSON.stringify(input.body);
          if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
            headers['Content-Type'] = 'application/json';
          }
        }
      }
      let url: URL;
      try {
        url = new URL(input.url);
        if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http');
      } catch {
        throw ApplicationFailure.create({
          type: CUSTOM_ERROR.http,
          nonRetryable: true,
          message: `"${input.url}" is not an http(s) URL`,
        });
      }
      const ctx = Context.current();
      const signal = AbortSignal.any([AbortSignal.timeout(input.timeoutMs), ctx.cancellationSignal]);
      let res: Response;
      try {
        res = await fetch(url, { method: input.method, headers, body, signal, redirect: 'follow' });
      } catch (err) {
        const e = err as Error;
        const why =
          e.name === 'TimeoutError'
            ? `no answer within ${input.timeoutMs} ms`
            : ((e.cause as Error)?.message ?? e.message);
        throw ApplicationFailure.create({
          type: CUSTOM_ERROR.http,
          message: `${input.method} ${url.origin}${url.pathname} failed: ${why}`,
        });
      }
      const raw = Buffer.from(await res.arrayBuffer());
      const truncated = raw.length > MAX_STEP_OUTPUT_BYTES;
      const text = raw.subarray(0, MAX_STEP_OUTPUT_BYTES).toString('utf8');
      let parsed: unknown = text;
      if (!truncated && /json/i.test(res.headers.get('content-type') ?? '')) {
        try {
          parsed = JSON.parse(text);
        } catch {
          parsed = text;
        }
      }
      const kept: Record<string, string> = {};
      for (const [k, v] of res.headers) kept[k] = v;
      const out: HttpStepOutput = { status: res.status, ok: res.ok, headers: kept, body: parsed, truncated };
      const expected = input.expectStatus ? input.expectStatus.includes(res.status) : res.ok;
      if (!expected) {
        const retryable = res.status === 429 || res.status >= 500;
        throw ApplicationFailure.create({
          type: CUSTOM_ERROR.http,
          nonRetryable: !retryable,
          message: `${input.method} ${url.origin}${url.pathname} answered ${res.status}; expected ${input.expectStatus?.join(' or ') ?? '2xx'}: ${text.slice(0, 300)}`,
          details: [out],
        });
      }
      return out;
    },

    /**
     * get / set / search in memory, attributed to the run. A run's output is readable by every
     * viewer, so sealed entries are read withheld (`withheld: true`, no value), never in plaintext.
     */
    async customMemory(input: MemoryStepInput): Promise<unknown> {
      const reader = memory.reader({ revealSealed: false });
      try {
        if (input.action === 'get') {
          const e = await reader.get(input.namespace, input.key);
          if (e?.withheld) return { found: true, withheld: true, value: null, version: e.version, tags: e.tags };
          return e ? { found: true, value: e.value, version: e.version, tags: e.tags } : { found: false, value: null };
        }
        if (input.action === 'set') {
          // A retried attempt whose write landed finds its own value there: no second version.
          const current = await memory.get(input.namespace, input.key);
          if (
            current &&
            current.provenance.workflowId === workflowId() &&
            JSON.stringify(current.value) === JSON.stringify(input.value)
          ) {
            return { namespace: current.namespace, key: current.key, version: current.version };
          }
          const e = await memory.set({
            namespace: input.namespace,
            key: input.key,
            value: input.value,
            tags: input.tags,
            ttlSeconds: input.ttlSeconds,
            provenance: { workflowId: workflowId() },
          });
          return { namespace: e.namespace, key: e.key, version: e.version };
        }
        const hits = await reader.search({ q: input.query, namespace: input.namespace, limit: input.limit });
        return {
          hits: hits.map((h) => ({
            namespace: h.namespace,
            key: h.key,
            score: h.score,
            snippet: h.snippet,
            tags: h.tags,
          })),
        };
      } catch (err) {
        if (err instanceof ProblemError && err.status < 500) {
          throw ApplicationFailure.create({ type: CUSTOM_ERROR.memory, nonRetryable: true, message: err.detail });
        }
        throw err;
      }
    },
  };
}
