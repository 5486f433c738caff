// Tracing with OpenTelemetry: one trace from an HTTP request through the Temporal client, the
// workflow and its activities, to each model, GitHub and PostgreSQL call.
//
// Off unless the OTEL_* variables name an exporter (lib/config/tracing.ts). Off costs nothing: this
// module imports no OpenTelemetry code, every hook below returns at its first line, and the SDK,
// the instrumentations and Temporal's interceptors (./sdk) are loaded only by startTracing when on.
import type { TracingConfig } from '../config';
import type * as Sdk from './sdk';
import type { IncomingMessage } from 'node:http';
import type { Middleware, ModelCall, ModelCallOutcome } from './sdk';

export type { ModelCall, ModelCallOutcome };

let sdk: typeof Sdk | undefined;

/**
 * Starts the SDK when `config.enabled`; call before anything that loads `http`, `pg` or express
 * (lib/tracing/register.ts is imported first by every entry point for that). Idempotent.
 */
export function startTracing(config: TracingConfig): boolean {
  if (!config.enabled || sdk) return sdk !== undefined;
  sdk = require('./sdk') as typeof Sdk;
  sdk.start(config);
  return true;
}

export function tracingOn(): boolean {
  return sdk !== undefined;
}

/** Exports what is buffered and stops; a no-op when off. */
export async function stopTracing(): Promise<void> {
  await sdk?.stop();
}

/** Temporal client interceptors (start, update, signal, query spans carrying the trace to the workflow). */
export function temporalClientInterceptors(): Sdk.ClientInterceptors | undefined {
  return sdk?.clientInterceptors();
}

/** Worker options for tracing: activity interceptors and the sink workflow spans are exported through. */
export function temporalWorkerTracing(): Sdk.WorkerTracing | undefined {
  return sdk?.workerTracing();
}

/** The workflow interceptor module for the bundle (workflow spans), when on. */
export function workflowTracingModule(): string | undefined {
  return sdk ? require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors') : undefined;
}

/** `trace_id` and `span_id` of the active span, for log lines (pino's mixin). */
export function traceIds(): Record<string, string> {
  return sdk ? sdk.traceIds() : {};
}

/**
 * The API's server-span middlewares when on (see sdk.ts): `start` goes first, `enter` after the
 * body parser; undefined when off, so nothing is added to the app.
 */
export function serverSpanMiddleware(): { start: Middleware; enter: Middleware } | undefined {
  return sdk?.serverSpans();
}

/** Names the request's HTTP server span by the declared route (`POST /api/claude-flow/sessions/{sessionId}/messages`). */
export function nameServerSpan(req: IncomingMessage, route: string): void {
  sdk?.nameServerSpan(req, route);
}

/** Runs `call` inside a model-call span with the OpenTelemetry GenAI attributes; just runs it when off. */
export function traceModelCall<T extends ModelCallOutcome>(info: ModelCall, call: () => Promise<T>): Promise<T> {
  return sdk ? sdk.traceModelCall(info, call) : call();
}
