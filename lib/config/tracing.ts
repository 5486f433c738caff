// Tracing is configured the way every OpenTelemetry SDK is: by the standard OTEL_* variables, read
// from the environment only (the SDK itself reads them there). This checks the ones Claude Flow
// depends on, so a typo fails at start with the variable's name, and decides whether tracing is on:
// it is off, with nothing loaded, unless a traces exporter or an OTLP endpoint is named.
import { ConfigError } from './shape';

export interface TracingConfig {
  /** An exporter or endpoint is configured and OTEL_SDK_DISABLED is not true. */
  enabled: boolean;
  /** OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: prompts and replies on model-call spans. */
  captureMessageContent: boolean;
  /** Where spans go, for people (`otlp http://collector:4318`, `console`); undefined when off. */
  destination: string | undefined;
  /** service.name unless OTEL_SERVICE_NAME (or service.name in OTEL_RESOURCE_ATTRIBUTES) names one. */
  defaultServiceName: string | undefined;
}

const EXPORTERS = ['otlp', 'console', 'zipkin', 'none'];
const PROTOCOLS = ['grpc', 'http/protobuf', 'http/json'];
const SAMPLERS = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
];
const BOOLS = ['true', 'false'];

type Env = Record<string, string | undefined>;

function check(env: Env, name: string, ok: (v: string) => boolean, allowed: string): string | undefined {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return undefined;
  if (!ok(raw)) throw new ConfigError(`Invalid setting ${name}=${JSON.stringify(raw)}: allowed: ${allowed}`);
  return raw;
}

const url = (v: string) => /^https?:\/\/[^\s]+$/.test(v) && URL.canParse(v);
const oneOf = (list: string[]) => (v: string) => list.includes(v.toLowerCase());

/** The tracing settings in `env`; throws a one-line ConfigError naming a bad variable. */
export function tracingConfig(env: Env): TracingConfig {
  const disabled = check(env, 'OTEL_SDK_DISABLED', oneOf(BOOLS), 'true or false') === 'true';
  const exporters = check(
    env,
    'OTEL_TRACES_EXPORTER',
    (v) => v.split(',').every((e) => EXPORTERS.includes(e.trim())),
    `a comma-separated list of ${EXPORTERS.join(', ')}`,
  )
    ?.split(',')
    .map((e) => e.trim());
  const endpoint = check(env, 'OTEL_EXPORTER_OTLP_ENDPOINT', url, 'an http(s) URL, e.g. http://127.0.0.1:4318');
  const tracesEndpoint = check(
    env,
    'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
    url,
    'an http(s) URL, e.g. http://127.0.0.1:4318/v1/traces',
  );
  for (const name of ['OTEL_EXPORTER_OTLP_PROTOCOL', 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL']) {
    check(env, name, oneOf(PROTOCOLS), PROTOCOLS.join(', '));
  }
  const sampler = check(env, 'OTEL_TRACES_SAMPLER', oneOf(SAMPLERS), SAMPLERS.join(', '));
  if (sampler?.endsWith('traceidratio')) {
    check(
      env,
      'OTEL_TRACES_SAMPLER_ARG',
      (v) => Number.isFinite(Number(v)) && Number(v) >= 0 && Number(v) <= 1,
      'a sampling ratio from 0 to 1',
    );
  }
  const capture =
    check(env, 'OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT', oneOf(BOOLS), 'true or false') === 'true';
  const named = exporters ? exporters.filter((e) => e !== 'none') : endpoint || tracesEndpoint ? ['otlp'] : [];
  const enabled = !disabled && named.length > 0;
  const serviceNamed =
    Boolean(env.OTEL_SERVICE_NAME?.trim()) || /(^|,)\s*service\.name\s*=/.test(env.OTEL_RESOURCE_ATTRIBUTES ?? '');
  return {
    enabled,
    captureMessageContent: capture,
    destination: enabled
      ? named
          .map((e) => (e === 'otlp' ? `otlp ${tracesEndpoint ?? endpoint ?? 'http://localhost:4318'}` : e))
          .join(', ')
      : undefined,
    defaultServiceName: serviceNamed ? undefined : 'claude-flow',
  };
}
