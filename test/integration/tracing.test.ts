// Tracing, end to end: `npm start` (the real process, against the harness's Temporal and a fresh
// database) exporting over OTLP/HTTP to a real OpenTelemetry Collector on 127.0.0.1 (ops/otelcol,
// built from the Collector's Go modules by the global setup), which writes what it receives to a
// file as OTLP JSON; the spans are read back from there. One session turn through the API
// must be one trace: the HTTP server span, the Temporal client's update, the workflow's update
// handler and activity, the model call (GenAI attributes, the fake's token counts) with its HTTP
// client span under it, and PostgreSQL; log lines in it carry its ids. With tracing off nothing is
// exported and no OpenTelemetry SDK, instrumentation or interceptor is even loaded.
import fs from 'node:fs';
import path from 'node:path';
import { startFakeAnthropic } from '../fakes/anthropic';
import type { FakeServer } from '../fakes/http-fake';
import { startOtelcol, type Otelcol, type ReceivedSpan } from '../../stack/otelcol';
import { eventually } from '../helpers/sessions';
import { harness } from '../helpers/stack';
import {
  loadedModules,
  sessionTurnThroughApi,
  startAppProcess,
  stopAll,
  type AppProcess,
} from '../helpers/app-process';

jest.setTimeout(180_000);

const API = '/api/claude-flow';
const SERVER = 2;
const CLIENT = 3;

const root = path.join(__dirname, '..', '..');
const collectorBuild = harness().otelcol;
const unavailable = 'unavailable' in collectorBuild ? collectorBuild.unavailable : undefined;
const collectors: Otelcol[] = [];

/** A collector of its own, writing under the run's temporary folder. */
async function startCollector(name: string): Promise<Otelcol> {
  const executable = (collectorBuild as { path: string }).path;
  const dir = fs.mkdtempSync(path.join(harness().tmpDir, `otelcol-${name}-`));
  const collector = await startOtelcol({ executable, root, dir });
  collectors.push(collector);
  return collector;
}

let receiver: Otelcol;
let anthropic: FakeServer;

beforeAll(async () => {
  if (unavailable) return;
  receiver = await startCollector('traced');
  anthropic = await startFakeAnthropic({ apiKey: 'k' });
});
afterAll(async () => {
  await stopAll();
  for (const c of collectors) await c.stop();
  await anthropic?.close();
});

// Like the other tools built into .tools/: no Go and no build is a skip that says what to install.
const collectorTest = unavailable ? test.skip : test;
if (unavailable) test.skip(`tracing skipped: ${unavailable}`, () => undefined);

const startStack = (otel: Record<string, string>) =>
  startAppProcess('stack/start.ts', {
    ANTHROPIC_API_KEY: 'k',
    ANTHROPIC_BASE_URL: anthropic.url,
    ANTHROPIC_MODEL: 'claude-haiku-4-5',
    ...otel,
  });

async function sessionTurn(stack: AppProcess, text: string): Promise<void> {
  expect(await sessionTurnThroughApi(stack, text)).toBe('A traced reply.');
}

const loaded = (stack: AppProcess) => loadedModules(stack, path.join('stack', 'start.ts'));

const OTEL_CODE =
  /node_modules\/(@opentelemetry\/(sdk-|instrumentation|exporter-|resources)|@temporalio\/interceptors-opentelemetry)/;

collectorTest(
  'one session turn is one trace: HTTP, Temporal client, workflow, activity, model call, PostgreSQL',
  async () => {
    const stack = await startStack({
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      OTEL_SERVICE_NAME: 'cf-traced',
      // Export within a tenth of a second (the standard batch processor setting), not the default 5 s.
      OTEL_BSP_SCHEDULE_DELAY: '100',
    });
    anthropic.script({ reply: 'A traced reply.', usage: { input: 321, output: 54 } });
    await sessionTurn(stack, 'Trace this turn');

    const route = `${API}/sessions/{sessionId}/messages`;
    const server = await eventually(
      async () => receiver.spans().find((s) => s.kind === SERVER && s.attributes['http.route'] === route),
      (s) => s !== undefined,
      30_000,
    );
    expect(server).toMatchObject({
      name: `POST ${route}`,
      service: 'cf-traced',
      attributes: { 'http.request.method': 'POST', 'http.response.status_code': 200 },
    });
    const traceId = (server as ReceivedSpan).traceId;
    const inTrace = () => receiver.spans().filter((s) => s.traceId === traceId);
    const named = (name: string) => inTrace().find((s) => s.name === name);
    await eventually(
      async () => inTrace(),
      (spans) =>
        spans.some((s) => s.name === 'RunActivity:sessionTurn') && spans.some((s) => s.name.startsWith('chat ')),
      30_000,
    );
    const spans = inTrace();
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    /** The chain of span names from `s` up to the trace's root. */
    const ancestry = (s: ReceivedSpan): string[] => {
      const up: string[] = [];
      for (let p = byId.get(s.parentSpanId); p; p = byId.get(p.parentSpanId)) up.push(p.name);
      return up;
    };

    const update = named('StartWorkflowUpdate:sendMessage');
    const handler = named('HandleUpdate:sendMessage');
    const activity = named('RunActivity:sessionTurn');
    const model = spans.find((s) => s.name === 'chat claude-haiku-4-5');
    expect({ update, handler, activity, model }).toEqual({
      update: expect.anything(),
      handler: expect.anything(),
      activity: expect.anything(),
      model: expect.anything(),
    });
    // The tree: the model call runs in the activity, scheduled by the update handler, sent by the client in the request.
    expect(ancestry(model as ReceivedSpan)).toEqual(
      expect.arrayContaining(['RunActivity:sessionTurn', 'StartActivity:sessionTurn', 'HandleUpdate:sendMessage']),
    );
    expect(ancestry(handler as ReceivedSpan)).toEqual(
      expect.arrayContaining(['StartWorkflowUpdate:sendMessage', `POST ${route}`]),
    );
    expect(model).toMatchObject({
      kind: CLIENT,
      attributes: {
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': 'anthropic',
        'gen_ai.system': 'anthropic',
        'gen_ai.request.model': 'claude-haiku-4-5',
        'gen_ai.response.model': 'claude-haiku-4-5',
        'gen_ai.usage.input_tokens': 321,
        'gen_ai.usage.output_tokens': 54,
        'gen_ai.response.finish_reasons': ['end_turn'],
      },
    });
    // No prompt text unless OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true.
    expect(Object.keys((model as ReceivedSpan).attributes).filter((k) => /messages|instructions/.test(k))).toEqual([]);
    // The provider's HTTP call (fetch, through undici), right under the model call: one model-call span per call.
    const providerCall = spans.find(
      (s) => s.kind === CLIENT && String(s.attributes['url.full']).startsWith(anthropic.url),
    );
    expect(providerCall?.parentSpanId).toBe(model?.spanId);
    expect(spans.filter((s) => s.attributes['gen_ai.usage.input_tokens'] !== undefined)).toHaveLength(1);
    expect(providerCall?.attributes).toMatchObject({ 'http.request.method': 'POST', 'http.response.status_code': 200 });
    // PostgreSQL: the activity's writes and the API's reads, in the same trace.
    const pgSpans = spans.filter((s) => s.attributes['db.system'] === 'postgresql');
    expect(pgSpans.length).toBeGreaterThan(0);
    expect(pgSpans.some((s) => ancestry(s).includes('RunActivity:sessionTurn'))).toBe(true);

    // Log lines written inside the trace carry its ids.
    const log = fs.readFileSync(path.join(stack.dataDir, 'logs', 'claude-flow.log'), 'utf8');
    const lines = log.split('\n').filter((l) => l.includes(traceId));
    expect(lines.length).toBeGreaterThan(0);
    expect(JSON.parse(lines[0] as string)).toMatchObject({
      trace_id: traceId,
      span_id: expect.stringMatching(/^[0-9a-f]{16}$/),
    });

    // The session's start is a trace of its own: the request, the client's start, the workflow's first
    // activity (under RunWorkflow:session, which is exported when the session ends).
    const all = receiver.spans();
    const creation = all.find((s) => s.kind === SERVER && s.attributes['http.route'] === `${API}/sessions`);
    const started = all.filter((s) => s.traceId === creation?.traceId).map((s) => s.name);
    expect(started).toEqual(expect.arrayContaining(['StartWorkflow:session', 'RunActivity:saveSessionProjection']));

    expect(await stack.stop()).toBe(0);
    expect(loaded(stack).filter((m) => OTEL_CODE.test(m)).length).toBeGreaterThan(0);
  },
);

// Off is one path whether OTEL_* is unset or says disabled (lib/config/tracing.ts, unit-tested in
// test/unit/tracing-config.test.ts); disabled with an endpoint shows that nothing reaches it.
collectorTest('off: with OTEL_SDK_DISABLED=true nothing is exported and no OpenTelemetry SDK is loaded', async () => {
  const quiet = await startCollector('quiet');
  const stack = await startStack({ OTEL_EXPORTER_OTLP_ENDPOINT: quiet.endpoint, OTEL_SDK_DISABLED: 'true' });
  anthropic.script({ reply: 'A traced reply.' });
  await sessionTurn(stack, 'Do not trace this');
  expect(await stack.stop()).toBe(0);
  // The stack has stopped (a tracing SDK would have flushed by now); the collector is still up.
  expect(quiet.exports()).toBe(0);
  expect(loaded(stack).filter((m) => OTEL_CODE.test(m))).toEqual([]);
});
