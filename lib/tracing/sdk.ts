// The OpenTelemetry SDK, loaded only when tracing is on (index.ts). NodeSDK reads the standard
// OTEL_* variables itself (exporter, protocol, endpoint, headers, sampler, resource, batching);
// this adds the instrumentations and Temporal's interceptors, and the model-call spans.
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  context,
  propagation,
  type ProxyTracerProvider,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
} from '@opentelemetry/api';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { NodeSDK } from '@opentelemetry/sdk-node';
import type { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  OpenTelemetryWorkflowClientInterceptor,
} from '@temporalio/interceptors-opentelemetry';
import type { WorkflowClientInterceptor } from '@temporalio/client';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import type { TracingConfig } from '../config';

/** Requests no one needs a trace of: probes and scrapes. */
const UNTRACED_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

let sdk: NodeSDK | undefined;
let captureContent = false;
const tracer = () => trace.getTracer('claude-flow');

/**
 * pg's queries and connects, without pg-pool's `connect` (a span for every query Prisma and the
 * pool run, about a third of all spans, for taking an idle connection from the pool).
 */
class PgQueryInstrumentation extends PgInstrumentation {
  protected override init() {
    return super.init().filter((m) => m.name !== 'pg-pool');
  }
}

export function start(config: TracingConfig): void {
  captureContent = config.captureMessageContent;
  sdk = new NodeSDK({
    serviceName: config.defaultServiceName,
    // Logs stay in pino (with trace ids); metrics are Prometheus (/metrics). OTEL_METRICS_EXPORTER still works.
    logRecordProcessors: [],
    // The API's server spans come from serverSpans below, not from instrumenting `http`: every client
    // Claude Flow calls over HTTP (the provider SDKs, Octokit) uses fetch.
    instrumentations: [
      // fetch: the Anthropic and OpenAI SDKs, Octokit.
      new UndiciInstrumentation({ requireParentforSpans: true }),
      // pg, and Prisma through its pg adapter. Only inside a trace: pool upkeep and LISTEN are not requests.
      new PgQueryInstrumentation({ requireParentSpan: true }),
    ],
  });
  sdk.start();
}

export async function stop(): Promise<void> {
  await sdk?.shutdown();
}

export interface ClientInterceptors {
  workflow: WorkflowClientInterceptor[];
}

export function clientInterceptors(): ClientInterceptors {
  return { workflow: [new OpenTelemetryWorkflowClientInterceptor()] };
}

export interface WorkerTracing {
  activityInterceptors: ActivityInterceptorsFactory[];
  sinks: { exporter: ReturnType<typeof makeWorkflowExporter> };
}

export function workerTracing(): WorkerTracing {
  // Workflow spans are made in the workflow sandbox and leave it through this sink, into the
  // same span processor (batching, exporter) as every other span of the process.
  const provider = (trace.getTracerProvider() as ProxyTracerProvider).getDelegate() as BasicTracerProvider;
  return {
    activityInterceptors: [
      (ctx) => ({
        inbound: new OpenTelemetryActivityInboundInterceptor(ctx),
        outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
      }),
    ],
    sinks: { exporter: makeWorkflowExporter(provider.getActiveSpanProcessor(), provider.resource) },
  };
}

export function traceIds(): Record<string, string> {
  const span = trace.getActiveSpan();
  if (!span) return {};
  const { traceId, spanId } = span.spanContext();
  return { trace_id: traceId, span_id: spanId };
}

type Next = (err?: unknown) => void;
export type Middleware = (req: IncomingMessage, res: ServerResponse, next: Next) => void;

interface ServerSpan {
  span: Span;
  context: Context;
}
const serverSpanOf = new WeakMap<IncomingMessage, ServerSpan>();

/**
 * The API's HTTP server spans, as two middlewares: `start` (first of all) opens the span, continuing
 * a `traceparent` the caller sent, and ends it when the response is done; `enter` (once the body is
 * read) runs the rest of the request in the span's context. Between the two nothing is traced; a
 * route that reads its body itself (webhooks) gets the request's events bound to the span.
 */
export function serverSpans(): { start: Middleware; enter: Middleware } {
  return {
    start(req, res, next) {
      const url = req.url ?? '/';
      const q = url.indexOf('?');
      const urlPath = q < 0 ? url : url.slice(0, q);
      if (UNTRACED_PATHS.has(urlPath)) return next();
      const method = req.method ?? 'GET';
      const parent = propagation.extract(ROOT_CONTEXT, req.headers);
      const attributes: Attributes = {
        'http.request.method': method,
        'url.path': urlPath,
        'url.scheme': 'encrypted' in req.socket ? 'https' : 'http',
        'network.protocol.version': req.httpVersion,
        'client.address': req.socket.remoteAddress,
        'server.port': req.socket.localPort,
      };
      const host = req.headers.host;
      if (host) attributes['server.address'] = host.replace(/:\d+$/, '');
      const agent = req.headers['user-agent'];
      if (agent) attributes['user_agent.original'] = agent;
      const span = tracer().startSpan(method, { kind: SpanKind.SERVER, attributes }, parent);
      serverSpanOf.set(req, { span, context: trace.setSpan(parent, span) });
      let ended = false;
      const end = () => {
        if (ended) return;
        ended = true;
        const status = res.statusCode;
        span.setAttribute('http.response.status_code', status);
        if (status >= 500) {
          span.setAttribute('error.type', String(status));
          span.setStatus({ code: SpanStatusCode.ERROR });
        }
        if (!res.writableFinished) span.setAttribute('error.type', 'aborted');
        span.end();
      };
      res.once('finish', end);
      res.once('close', end);
      next();
    },
    enter(req, _res, next) {
      const s = serverSpanOf.get(req);
      if (!s) return next();
      if (!req.complete) context.bind(s.context, req);
      context.with(s.context, next);
    },
  };
}

/** Names the request's server span by the declared route (`POST /api/claude-flow/sessions/{sessionId}/messages`). */
export function nameServerSpan(req: IncomingMessage, route: string): void {
  const s = serverSpanOf.get(req);
  if (!s) return;
  s.span.updateName(`${req.method ?? 'GET'} ${route}`);
  s.span.setAttribute('http.route', route);
}

/** A model call as the GenAI conventions describe it. */
export interface ModelCall {
  /** gen_ai.provider.name: anthropic, openai, augment. */
  provider: string;
  model: string;
  maxTokens?: number;
  temperature?: number;
  system?: string;
  messages: { role: string; content: string }[];
  /** Claude Flow's task kind and the activity attempt. */
  task: string;
  attempt: number;
}

export interface ModelCallOutcome {
  model: string;
  text: string;
  stopReason: string;
  usage: { inputTokens: number; outputTokens: number };
}

const textParts = (content: string) => [{ type: 'text', content }];

export async function traceModelCall<T extends ModelCallOutcome>(call: ModelCall, run: () => Promise<T>): Promise<T> {
  const attributes: Attributes = {
    'gen_ai.operation.name': 'chat',
    'gen_ai.provider.name': call.provider,
    // The name before semantic conventions 1.37, which most backends still read.
    'gen_ai.system': call.provider,
    'gen_ai.request.model': call.model,
    'claude_flow.task': call.task,
    'claude_flow.attempt': call.attempt,
  };
  if (call.maxTokens !== undefined) attributes['gen_ai.request.max_tokens'] = call.maxTokens;
  if (call.temperature !== undefined) attributes['gen_ai.request.temperature'] = call.temperature;
  if (captureContent) {
    if (call.system) attributes['gen_ai.system_instructions'] = JSON.stringify(textParts(call.system));
    attributes['gen_ai.input.messages'] = JSON.stringify(
      call.messages.map((m) => ({ role: m.role, parts: textParts(m.content) })),
    );
  }
  return tracer().startActiveSpan(
    `chat ${call.model}`,
    { kind: SpanKind.CLIENT, attributes },
    context.active(),
    async (span: Span) => {
      try {
        const reply = await run();
        span.setAttributes({
          'gen_ai.response.model': reply.model,
          'gen_ai.response.finish_reasons': [reply.stopReason],
          'gen_ai.usage.input_tokens': reply.usage.inputTokens,
          'gen_ai.usage.output_tokens': reply.usage.outputTokens,
        });
        if (captureContent) {
          span.setAttribute(
            'gen_ai.output.messages',
            JSON.stringify([{ role: 'assistant', parts: textParts(reply.text), finish_reason: reply.stopReason }]),
          );
        }
        return reply;
      } catch (err) {
        const e = err as Error & { status?: number };
        span.setAttribute('error.type', e.status ? String(e.status) : e.name || 'Error');
        span.setStatus({ code: SpanStatusCode.ERROR, message: e.message });
        throw err;
      } finally {
        span.end();
      }
    },
  );
}
