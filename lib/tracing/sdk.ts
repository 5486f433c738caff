// The OpenTelemetry SDK, loaded only when tracing is on (index.ts). NodeSDK reads the standard
// OTEL_* variables itself (exporter, protocol, endpoint, headers, sampler, resource, batching);
// this adds the instrumentations and Temporal's interceptors, and the model-call spans.
import {
  context,
  type ProxyTracerProvider,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Span,
} from '@opentelemetry/api';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
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

export function start(config: TracingConfig): void {
  captureContent = config.captureMessageContent;
  sdk = new NodeSDK({
    serviceName: config.defaultServiceName,
    // Logs stay in pino (with trace ids); metrics are Prometheus (/metrics). OTEL_METRICS_EXPORTER still works.
    logRecordProcessors: [],
    instrumentations: [
      // Outgoing calls only inside a trace: a scrape of the SDK's metrics (lib/metrics.ts) is not one.
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (req) => UNTRACED_PATHS.has((req.url ?? '').split('?')[0] ?? ''),
        requireParentforOutgoingSpans: true,
      }),
      // fetch: the Anthropic and OpenAI SDKs, Octokit.
      new UndiciInstrumentation({ requireParentforSpans: true }),
      // pg, and Prisma through its pg adapter. Only inside a trace: pool upkeep and LISTEN are not requests.
      new PgInstrumentation({ requireParentSpan: true }),
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

export function nameServerSpan(method: string, route: string): void {
  const span = trace.getActiveSpan();
  if (!span) return;
  span.updateName(`${method} ${route}`);
  span.setAttribute('http.route', route);
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
