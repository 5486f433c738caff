// When tracing is on, from the standard OTEL_* variables alone, and what a bad one says.
import { ConfigError } from '../../lib/config';
import { tracingConfig } from '../../lib/config/tracing';

test.each([
  ['nothing set', false, {}],
  ['only a service name', false, { OTEL_SERVICE_NAME: 'x' }],
  ['an OTLP endpoint', true, { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' }],
  ['a traces endpoint', true, { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c:4318/v1/traces' }],
  ['the console exporter', true, { OTEL_TRACES_EXPORTER: 'console' }],
  [
    'exporter none with an endpoint',
    false,
    { OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' },
  ],
  ['disabled with an endpoint', false, { OTEL_SDK_DISABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' }],
])('%s: tracing on is %s', (_what, on, env) => {
  expect(tracingConfig(env).enabled).toBe(on);
});

test('where spans go, and the default service name unless one is given', () => {
  expect(tracingConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' })).toEqual({
    enabled: true,
    captureMessageContent: false,
    destination: 'otlp http://c:4318',
    defaultServiceName: 'claude-flow',
  });
  expect(tracingConfig({ OTEL_SERVICE_NAME: 'api-eu' }).defaultServiceName).toBeUndefined();
  expect(
    tracingConfig({ OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=prod,service.name=cf' }).defaultServiceName,
  ).toBeUndefined();
  expect(tracingConfig({ OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'true' }).captureMessageContent).toBe(
    true,
  );
});

test.each([
  ['OTEL_EXPORTER_OTLP_ENDPOINT', '127.0.0.1:4318', 'an http(s) URL'],
  ['OTEL_TRACES_EXPORTER', 'jaeger', 'otlp, console, zipkin, none'],
  ['OTEL_EXPORTER_OTLP_PROTOCOL', 'http', 'grpc, http/protobuf, http/json'],
  ['OTEL_TRACES_SAMPLER', 'sometimes', 'parentbased_traceidratio'],
  ['OTEL_SDK_DISABLED', 'yes please', 'true or false'],
])('%s=%s is refused, saying what is allowed', (name, value, allowed) => {
  expect(() => tracingConfig({ [name]: value })).toThrow(ConfigError);
  expect(() => tracingConfig({ [name]: value })).toThrow(`Invalid setting ${name}="${value}": allowed: `);
  expect(() => tracingConfig({ [name]: value })).toThrow(allowed);
});

test('a sampling ratio outside 0-1 is refused', () => {
  expect(() => tracingConfig({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '5' })).toThrow(
    'OTEL_TRACES_SAMPLER_ARG="5": allowed: a sampling ratio from 0 to 1',
  );
});
