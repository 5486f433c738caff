// The table of settings: each one's environment name, place in the config files, schema (with its
// default, written only there), what is allowed and what it means. lib/config/load.ts reads them.
import { z } from 'zod';
import { NAMESPACE_PATTERN } from '../memory/names';
import { parseDuration } from '../../workflows/contract/duration';
import { PROVIDERS, TASK_KINDS, routeEntry } from '../../workflows/contract/routes';

/** A setting: its environment name, where it lives in the JSON files, how it is checked and what it means. */
export interface SettingSpec {
  env: string;
  /** Dotted path inside config/claude-flow.json and .claude-flow/settings.json. */
  file: string;
  schema: z.ZodType;
  /** Shown when a value is rejected: what would be accepted. */
  allowed: string;
  /** What it means; the default, if any, is the schema's (see {@link documentedDefault}). */
  doc: string;
  secret?: boolean;
}

const truthy = ['true', '1', 'yes', 'on'];
const falsy = ['false', '0', 'no', 'off'];
const bool = z
  .union([z.boolean(), z.string().refine((v) => [...truthy, ...falsy].includes(v.toLowerCase()))])
  .transform((v) => (typeof v === 'boolean' ? v : truthy.includes(v.toLowerCase())));
const port = z.coerce.number().int().min(1).max(65535);
const hostPort = z.string().regex(/^[A-Za-z0-9.\-[\]:]+:\d{1,5}$/);
const nonEmpty = z.string().min(1);
const postgresUrl = z.string().regex(/^postgres(ql)?:\/\/.+/);
const optional = <T extends z.ZodType>(schema: T) => schema.optional();
const httpUrl = z.string().regex(/^https?:\/\/[^\s]+$/);
const parseJson = (v: unknown) => {
  if (typeof v !== 'string') return v;
  try {
    return JSON.parse(v) as unknown;
  } catch {
    return v;
  }
};
/** An object given as JSON text (environment) or as an object (config files). */
const jsonObject = <T extends z.ZodType>(schema: T) => z.preprocess(parseJson, schema);
/** JSON text kept as text, checked to parse as an object. */
const jsonText = z.union([
  z.string().refine((v) => typeof parseJson(v) === 'object' && parseJson(v) !== null),
  z.record(z.string(), z.unknown()).transform((v) => JSON.stringify(v)),
]);

/** A 32-byte key as 64 hex digits or base64; undefined when it is neither. */
export function decodeKey32(text: string): Buffer | undefined {
  if (/^[0-9a-fA-F]{64}$/.test(text)) return Buffer.from(text, 'hex');
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(text)) return undefined;
  const b = Buffer.from(text, 'base64');
  return b.length === 32 ? b : undefined;
}
const key32 = z.string().refine((v) => decodeKey32(v) !== undefined);
/** A list given as JSON array text, comma-separated text, or an array (config files). */
const listOf = <T extends z.ZodType>(item: T) =>
  z.preprocess((v) => {
    if (typeof v !== 'string') return v;
    const parsed = parseJson(v);
    return Array.isArray(parsed) ? parsed : v.split(',').map((s) => s.trim());
  }, z.array(item));

// Task kinds, providers and route entries are the contract's (API bodies and workflow inputs use them too).
export { PROVIDERS, TASK_KINDS, type ProviderName, type TaskKind } from '../../workflows/contract/routes';
const priceEntry = z.object({
  input: z.number().min(0),
  output: z.number().min(0),
  cacheRead: z.number().min(0).optional(),
  cacheWrite: z.number().min(0).optional(),
});
export type Price = z.infer<typeof priceEntry>;

/** The task queue when TEMPORAL_TASK_QUEUE is unset. */
export const DEFAULT_TASK_QUEUE = 'claude-flow';

export const SETTINGS = {
  temporalAddress: {
    env: 'TEMPORAL_ADDRESS',
    file: 'temporal.address',
    schema: optional(hostPort),
    allowed: 'host:port of a Temporal frontend, e.g. localhost:7233 or my-ns.a1b2c.tmprl.cloud:7233',
    doc: 'Temporal server to use. Unset: `npm start` runs its own dev server; `npm run worker`/`api` use localhost:7233.',
  },
  temporalNamespace: {
    env: 'TEMPORAL_NAMESPACE',
    file: 'temporal.namespace',
    schema: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/)
      .default('default'),
    allowed: 'a Temporal namespace name (letters, digits, . _ -)',
    doc: 'Temporal namespace for every workflow.',
  },
  temporalTaskQueue: {
    env: 'TEMPORAL_TASK_QUEUE',
    file: 'temporal.taskQueue',
    schema: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._/-]{0,199}$/)
      .default(DEFAULT_TASK_QUEUE),
    allowed: 'a task queue name (letters, digits, . _ / -)',
    doc: 'Task queue the worker polls and clients start workflows on.',
  },
  temporalApiKey: {
    env: 'TEMPORAL_API_KEY',
    file: 'temporal.apiKey',
    schema: optional(nonEmpty),
    allowed: 'a Temporal Cloud API key',
    doc: 'API key for Temporal Cloud (turns TLS on).',
    secret: true,
  },
  temporalTlsCert: {
    env: 'TEMPORAL_TLS_CERT',
    file: 'temporal.tls.cert',
    schema: optional(nonEmpty),
    allowed: 'path to a PEM client certificate',
    doc: 'mTLS client certificate (path). Set together with TEMPORAL_TLS_KEY.',
  },
  temporalTlsKey: {
    env: 'TEMPORAL_TLS_KEY',
    file: 'temporal.tls.key',
    schema: optional(nonEmpty),
    allowed: 'path to a PEM private key',
    doc: 'mTLS client private key (path).',
  },
  temporalTlsCa: {
    env: 'TEMPORAL_TLS_CA',
    file: 'temporal.tls.ca',
    schema: optional(nonEmpty),
    allowed: 'path to a PEM CA bundle',
    doc: 'CA bundle to verify the server (path); default: system roots.',
  },
  temporalTlsServerName: {
    env: 'TEMPORAL_TLS_SERVER_NAME',
    file: 'temporal.tls.serverName',
    schema: optional(nonEmpty),
    allowed: 'a host name',
    doc: 'Server name to verify in the server certificate (SNI override).',
  },
  temporalCliPath: {
    env: 'TEMPORAL_CLI_PATH',
    file: 'temporal.cliPath',
    schema: optional(nonEmpty),
    allowed: 'path to a `temporal` CLI executable',
    doc: 'Temporal CLI used for the embedded dev server (else `temporal` on PATH, else .tools/).',
  },
  temporalServer: {
    env: 'TEMPORAL_SERVER',
    file: 'temporal.server',
    schema: z.enum(['dev', 'cluster']).default('dev'),
    allowed: '`dev` or `cluster`',
    doc: 'What `npm start` runs when TEMPORAL_ADDRESS is unset: the Temporal CLI dev server, or the Temporal Server built from its Go module on PostgreSQL (ops/temporal/cluster.yaml).',
  },
  temporalTestServerPath: {
    env: 'TEMPORAL_TEST_SERVER_PATH',
    file: 'temporal.testServerPath',
    schema: optional(nonEmpty),
    allowed: 'path to a `temporal-test-server` executable',
    doc: 'Time-skipping test server used by the workflow tests.',
  },
  gitleaksPath: {
    env: 'GITLEAKS_PATH',
    file: 'analysers.gitleaksPath',
    schema: optional(nonEmpty),
    allowed: 'path to a `gitleaks` executable',
    doc: 'gitleaks for the security audit (else `gitleaks` on PATH, else .tools/gitleaks, built there with `go install` on first use).',
  },
  semgrepPath: {
    env: 'SEMGREP_PATH',
    file: 'analysers.semgrepPath',
    schema: optional(nonEmpty),
    allowed: 'path to a `semgrep` executable',
    doc: 'Semgrep for the security audit (else `semgrep` on PATH, else .tools/semgrep, a virtualenv installed there from PyPI on first use).',
  },
  temporalPort: {
    env: 'TEMPORAL_PORT',
    file: 'temporal.port',
    schema: port.default(7233),
    allowed: 'a TCP port, 1-65535',
    doc: 'Port of the embedded Temporal dev server.',
  },
  temporalUiPort: {
    env: 'TEMPORAL_UI_PORT',
    file: 'temporal.uiPort',
    schema: port.default(8233),
    allowed: 'a TCP port, 1-65535',
    doc: 'Port of the embedded Temporal Web UI.',
  },
  databaseUrl: {
    env: 'DATABASE_URL',
    file: 'database.url',
    schema: optional(postgresUrl),
    allowed: 'a postgresql:// connection URL',
    doc: 'PostgreSQL to use. Unset: `npm start` runs an embedded PostgreSQL under the data directory.',
    secret: true,
  },
  databasePoolSize: {
    env: 'DATABASE_POOL_SIZE',
    file: 'database.poolSize',
    schema: z.coerce.number().int().min(1).max(200).default(10),
    allowed: 'an integer 1-200',
    doc: 'Connections per process.',
  },
  embeddedPostgresPort: {
    env: 'EMBEDDED_POSTGRES_PORT',
    file: 'database.embeddedPort',
    schema: port.default(54329),
    allowed: 'a TCP port, 1-65535',
    doc: 'Port of the embedded PostgreSQL.',
  },
  port: {
    env: 'PORT',
    file: 'api.port',
    schema: port.default(3000),
    allowed: 'a TCP port, 1-65535',
    doc: 'Port the API (and dashboard) listens on.',
  },
  host: {
    env: 'HOST',
    file: 'api.host',
    schema: z
      .string()
      .regex(/^[A-Za-z0-9.:-]+$/)
      .default('127.0.0.1'),
    allowed: 'an interface address or host name, e.g. 127.0.0.1 or 0.0.0.0',
    doc: 'Address the API binds to.',
  },
  enabled: {
    env: 'CLAUDE_FLOW_ENABLED',
    file: 'enabled',
    schema: bool.default(true),
    allowed: 'true or false',
    doc: 'Master switch. false: the API serves health and reads but refuses to start sessions or workflows.',
  },
  memoryBackend: {
    env: 'CLAUDE_FLOW_MEMORY_BACKEND',
    file: 'memory.backend',
    schema: z.enum(['postgres']).default('postgres'),
    allowed: 'postgres (the only store; it is also what the embedded default runs)',
    doc: 'Memory store.',
  },
  memoryKey: {
    env: 'CLAUDE_FLOW_MEMORY_KEY',
    file: 'memory.key',
    schema: optional(key32),
    allowed: '32 bytes as 64 hex digits or base64 (e.g. `openssl rand -base64 32`)',
    doc: 'Key that encrypts sealed memory namespaces (AES-256-GCM). Unset: writing to a sealed namespace is refused.',
    secret: true,
  },
  memoryPreviousKey: {
    env: 'CLAUDE_FLOW_MEMORY_PREVIOUS_KEY',
    file: 'memory.previousKey',
    schema: optional(key32),
    allowed: '32 bytes as 64 hex digits or base64',
    doc: 'The key before the current one: still decrypts, until key rotation re-encrypts every sealed entry.',
    secret: true,
  },
  memorySealed: {
    env: 'CLAUDE_FLOW_MEMORY_SEALED',
    file: 'memory.sealed',
    schema: listOf(z.string().regex(NAMESPACE_PATTERN)).default(['secrets/']),
    allowed: 'namespace prefixes ending in "/", comma-separated or a JSON array, e.g. secrets/,credentials/',
    doc: 'Sealed namespace prefixes: values encrypted at rest, searchable by key and tags only.',
  },
  memoryEmbeddings: {
    env: 'CLAUDE_FLOW_MEMORY_EMBEDDINGS',
    file: 'memory.embeddings',
    schema: z.enum(['auto', 'off']).default('auto'),
    allowed: 'auto (embed with the `embed` route when an OpenAI-compatible provider is configured) or off',
    doc: 'Semantic memory search: embeddings of unsealed entries, from the `embed` route. off: text search only.',
  },
  memoryVectorIndex: {
    env: 'CLAUDE_FLOW_MEMORY_VECTOR_INDEX',
    file: 'memory.vectorIndex',
    schema: z.enum(['memory', 'off']).default('memory'),
    allowed: 'memory (each process holds an HNSW index of the embeddings, about 3 KB per 384-dimension vector) or off',
    doc: 'Semantic search index: memory answers from an in-process index kept in step with PostgreSQL; off compares the newest 5,000 embedded entries in SQL.',
  },
  memoryMaxValueBytes: {
    env: 'CLAUDE_FLOW_MEMORY_MAX_VALUE_BYTES',
    file: 'memory.maxValueBytes',
    schema: z.coerce
      .number()
      .int()
      .min(1024)
      .max(64 * 1024 * 1024)
      .default(1024 * 1024),
    allowed: 'bytes, 1024-67108864',
    doc: 'Largest value (serialized, before compression) one entry may hold.',
  },
  memoryCompressBytes: {
    env: 'CLAUDE_FLOW_MEMORY_COMPRESS_BYTES',
    file: 'memory.compressBytes',
    schema: z.coerce
      .number()
      .int()
      .min(0)
      .max(64 * 1024 * 1024)
      .default(4096),
    allowed: 'bytes, 0-67108864',
    doc: 'Values at least this large are stored brotli-compressed (when that makes them smaller).',
  },
  memoryVersions: {
    env: 'CLAUDE_FLOW_MEMORY_VERSIONS',
    file: 'memory.versions',
    schema: z.coerce.number().int().min(1).max(1000).default(10),
    allowed: 'an integer 1-1000',
    doc: 'How many versions of each memory entry are kept (the current one included).',
  },
  memoryCacheEntries: {
    env: 'CLAUDE_FLOW_MEMORY_CACHE_ENTRIES',
    file: 'memory.cacheEntries',
    schema: z.coerce.number().int().min(0).max(1_000_000).default(1000),
    allowed: 'an integer 0-1000000 (0: no cache)',
    doc: 'Memory entries each process keeps in its read cache (invalidated by live events).',
  },
  memoryMaintenanceInterval: {
    env: 'CLAUDE_FLOW_MEMORY_MAINTENANCE_INTERVAL',
    file: 'memory.maintenanceInterval',
    schema: z
      .string()
      .refine((v) => v === 'off' || (parseDuration(v) ?? 0) >= 1_000)
      .default('1h'),
    allowed: 'a duration of at least a second such as 30m, 1h, 1d or "2 hours", or off',
    doc: 'How often the memory maintenance workflow runs (Temporal Schedule); off deletes the schedule.',
  },
  memorySummarizeOver: {
    env: 'CLAUDE_FLOW_MEMORY_SUMMARIZE_OVER',
    file: 'memory.summarizeOver',
    schema: z.coerce.number().int().min(0).max(10_000_000).default(0),
    allowed: 'an integer number of entries, 0 to turn summaries off',
    doc: 'Maintenance summarises (with the `summarize` route) the oldest entries of namespaces larger than this.',
  },
  memoryBackupDir: {
    env: 'CLAUDE_FLOW_MEMORY_BACKUP_DIR',
    file: 'memory.backupDir',
    schema: optional(nonEmpty),
    allowed: 'a directory path',
    doc: 'Where maintenance writes memory backups (the export format). Unset: no backups.',
  },
  memoryAutosave: {
    env: 'CLAUDE_FLOW_MEMORY_AUTOSAVE',
    file: 'memory.autosave',
    schema: z.enum(['off', 'exchanges', 'all']).default('all'),
    allowed: 'off, exchanges or all',
    doc: 'What sessions and workflows save to memory by themselves: exchanges (each message and reply), all (also approval decisions, failed turns and workflow results), or off. A session can override it (settings.memoryAutosave).',
  },
  memoryBackupKeep: {
    env: 'CLAUDE_FLOW_MEMORY_BACKUP_KEEP',
    file: 'memory.backupKeep',
    schema: z.coerce.number().int().min(1).max(10_000).default(24),
    allowed: 'an integer 1-10000',
    doc: 'How many memory backups are kept (older ones are deleted).',
  },
  apiKey: {
    env: 'CLAUDE_FLOW_API_KEY',
    file: 'api.key',
    schema: optional(z.string().min(16)),
    allowed: 'a secret of at least 16 characters',
    doc: 'Bootstrap admin API key. Unset: the API only listens on 127.0.0.1 and allows local use without a key.',
    secret: true,
  },
  rateLimitWindowSeconds: {
    env: 'CLAUDE_FLOW_RATE_LIMIT_WINDOW_SECONDS',
    file: 'api.rateLimit.windowSeconds',
    schema: z.coerce.number().int().min(1).max(86_400).default(60),
    allowed: 'seconds, 1-86400',
    doc: 'Length of one rate-limit window.',
  },
  rateLimitPerKey: {
    env: 'CLAUDE_FLOW_RATE_LIMIT_PER_KEY',
    file: 'api.rateLimit.perKey',
    schema: z.coerce.number().int().min(0).max(10_000_000).default(600),
    allowed: 'requests per window, 0 (no limit) to 10000000',
    doc: 'Requests one API key (or dashboard login) may make per window, across every API copy.',
  },
  rateLimitPerIp: {
    env: 'CLAUDE_FLOW_RATE_LIMIT_PER_IP',
    file: 'api.rateLimit.perIp',
    schema: z.coerce.number().int().min(0).max(10_000_000).default(1200),
    allowed: 'requests per window, 0 (no limit) to 10000000',
    doc: 'Requests one client address may make per window, across every API copy.',
  },
  rateLimitAuthFailures: {
    env: 'CLAUDE_FLOW_RATE_LIMIT_AUTH_FAILURES',
    file: 'api.rateLimit.authFailures',
    schema: z.coerce.number().int().min(0).max(1_000_000).default(10),
    allowed: 'failed authentications per window, 0 (no limit) to 1000000',
    doc: 'Failed authentications (wrong key, cookie or login) one client address, or one key prefix, may make per window before a 429; past 5x that in 60 windows, until those end.',
  },
  loginHours: {
    env: 'CLAUDE_FLOW_LOGIN_HOURS',
    file: 'api.loginHours',
    schema: z.coerce
      .number()
      .min(0.001)
      .max(24 * 90)
      .default(12),
    allowed: 'hours, 0.001-2160',
    doc: 'How long a dashboard login (session cookie) lasts.',
  },
  corsOrigins: {
    env: 'CLAUDE_FLOW_CORS_ORIGINS',
    file: 'api.corsOrigins',
    schema: listOf(z.string().regex(/^https?:\/\/[^/\s]+$/)).default([]),
    allowed: 'origins such as https://dash.example.com, comma-separated or a JSON array',
    doc: 'Browser origins allowed to call the API (CORS), besides the Temporal Web UI.',
  },
  liveRetentionSeconds: {
    env: 'CLAUDE_FLOW_LIVE_RETENTION_SECONDS',
    file: 'api.live.retentionSeconds',
    schema: z.coerce
      .number()
      .int()
      .min(10)
      .max(30 * 86_400)
      .default(3600),
    allowed: 'seconds, 10-2592000',
    doc: 'How long live events are kept for clients resuming with their last event id.',
  },
  debug: {
    env: 'CLAUDE_FLOW_DEBUG',
    file: 'debug',
    schema: bool.default(false),
    allowed: 'true or false',
    doc: 'Debug logging everywhere.',
  },
  logLevel: {
    env: 'LOG_LEVEL',
    file: 'logLevel',
    schema: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
    allowed: 'fatal, error, warn, info, debug or trace',
    doc: 'Log level (CLAUDE_FLOW_DEBUG=true forces debug).',
  },
  dataDir: {
    env: 'CLAUDE_FLOW_DATA_DIR',
    file: 'dataDir',
    schema: nonEmpty.default('.data'),
    allowed: 'a directory path',
    doc: 'Where the embedded stack keeps Temporal history, PostgreSQL data and logs.',
  },
  anthropicApiKey: {
    env: 'ANTHROPIC_API_KEY',
    file: 'ai.anthropic.apiKey',
    schema: optional(nonEmpty),
    allowed: 'an Anthropic API key',
    doc: 'Enables Anthropic (Claude) through the Messages API.',
    secret: true,
  },
  anthropicBaseUrl: {
    env: 'ANTHROPIC_BASE_URL',
    file: 'ai.anthropic.baseUrl',
    schema: optional(httpUrl),
    allowed: 'an http(s) URL',
    doc: "Anthropic API base URL (a proxy or gateway); default: the SDK's, https://api.anthropic.com.",
  },
  anthropicModel: {
    env: 'ANTHROPIC_MODEL',
    file: 'ai.anthropic.model',
    schema: nonEmpty.default('claude-sonnet-5'),
    allowed: 'an Anthropic model name',
    doc: 'Model used where a route names only `anthropic`.',
  },
  openaiApiKey: {
    env: 'OPENAI_API_KEY',
    file: 'ai.openai.apiKey',
    schema: optional(nonEmpty),
    allowed: 'an OpenAI API key',
    doc: 'Enables OpenAI (Chat Completions, embeddings).',
    secret: true,
  },
  openaiBaseUrl: {
    env: 'OPENAI_BASE_URL',
    file: 'ai.openai.baseUrl',
    schema: optional(httpUrl),
    allowed: 'an http(s) URL, e.g. http://localhost:11434/v1 for Ollama',
    doc: "OpenAI-compatible base URL (Ollama, vLLM, LM Studio); enough on its own for servers without keys. Default: the SDK's, https://api.openai.com/v1.",
  },
  openaiModel: {
    env: 'OPENAI_MODEL',
    file: 'ai.openai.model',
    schema: nonEmpty.default('gpt-4.1-mini'),
    allowed: 'a model name the endpoint serves',
    doc: 'Model used where a route names only `openai`.',
  },
  embeddingModel: {
    env: 'OPENAI_EMBEDDING_MODEL',
    file: 'ai.openai.embeddingModel',
    schema: nonEmpty.default('text-embedding-3-small'),
    allowed: 'an embedding model name the endpoint serves',
    doc: 'Embedding model for memory search (OpenAI-compatible `/embeddings`).',
  },
  augmentSessionAuth: {
    env: 'AUGMENT_SESSION_AUTH',
    file: 'ai.auggie.sessionAuth',
    schema: optional(jsonText),
    allowed: 'the JSON that `auggie token print` shows ({"accessToken":...,"tenantURL":...})',
    doc: 'Enables Auggie (the `auggie` CLI) with this session.',
    secret: true,
  },
  auggiePath: {
    env: 'AUGGIE_PATH',
    file: 'ai.auggie.path',
    schema: optional(nonEmpty),
    allowed: 'path to the auggie executable',
    doc: 'The auggie CLI; default: the one installed with Claude Flow (node_modules/.bin/auggie).',
  },
  auggieModel: {
    env: 'AUGGIE_MODEL',
    file: 'ai.auggie.model',
    schema: optional(nonEmpty),
    allowed: 'a model name auggie accepts (`auggie --list-models`)',
    doc: "Model for Auggie; default: the account's default.",
  },
  workspaceDir: {
    env: 'CLAUDE_FLOW_WORKSPACE',
    file: 'workspace',
    schema: nonEmpty.default('.'),
    allowed: 'a directory path',
    doc: 'Repository that repository-aware steps (Auggie) work in when a request names none.',
  },
  aiRoutes: {
    env: 'CLAUDE_FLOW_AI_ROUTES',
    file: 'ai.routes',
    schema: optional(jsonObject(z.partialRecord(z.enum(TASK_KINDS), z.array(routeEntry).min(1)))),
    allowed: `JSON mapping task kinds (${TASK_KINDS.join(', ')}) to ordered lists of "provider" or "provider:model" (providers: ${PROVIDERS.join(', ')})`,
    doc: 'Routing chains per task kind; see "AI providers and routing".',
  },
  aiPricing: {
    env: 'CLAUDE_FLOW_AI_PRICING',
    file: 'ai.pricing',
    schema: optional(jsonObject(z.record(z.string().regex(/^[a-z]+:.+$/), priceEntry))),
    allowed:
      'JSON mapping "provider:model" to {"input":USD,"output":USD,"cacheRead":USD,"cacheWrite":USD} per million tokens',
    doc: 'Prices per million tokens, merged over the built-in table.',
  },
  aiTimeoutMs: {
    env: 'AI_REQUEST_TIMEOUT_MS',
    file: 'ai.timeoutMs',
    schema: z.coerce.number().int().min(100).max(3_600_000).default(120_000),
    allowed: 'milliseconds, 100-3600000',
    doc: 'Timeout of one model call (one attempt).',
  },
  githubToken: {
    env: 'GITHUB_TOKEN',
    file: 'github.token',
    schema: optional(nonEmpty),
    allowed: 'a GitHub token (fine-grained or classic personal access token, or a GitHub App installation token)',
    doc: 'Enables the GitHub activities (pull requests, reviews, comments, issues, check runs).',
    secret: true,
  },
  githubApiUrl: {
    env: 'GITHUB_API_URL',
    file: 'github.apiUrl',
    schema: httpUrl.default('https://api.github.com'),
    allowed: 'an http(s) URL, e.g. https://github.example.com/api/v3 for GitHub Enterprise Server',
    doc: 'GitHub REST API base URL.',
  },
  payloadKey: {
    env: 'CLAUDE_FLOW_PAYLOAD_KEY',
    file: 'temporal.payloadKey',
    schema: optional(key32),
    allowed: '32 bytes as 64 hex digits or base64 (e.g. `openssl rand -base64 32`)',
    doc: 'Encrypts every Temporal payload (AES-256-GCM). Unset: payloads are plain JSON on the Temporal server.',
    secret: true,
  },
  payloadPreviousKeys: {
    env: 'CLAUDE_FLOW_PAYLOAD_PREVIOUS_KEYS',
    file: 'temporal.payloadPreviousKeys',
    schema: listOf(key32).default([]),
    allowed: 'comma-separated (or a JSON array of) 32-byte keys as hex or base64',
    doc: 'Earlier payload keys, kept for decoding histories written with them.',
    secret: true,
  },
  temporalUiUrl: {
    env: 'TEMPORAL_UI_URL',
    file: 'temporal.uiUrl',
    schema: optional(httpUrl),
    allowed: 'the http(s) origin of a Temporal Web UI, e.g. http://localhost:8080',
    doc: 'A Temporal Web UI allowed (CORS) to call the codec endpoint (the embedded UI is always allowed), and the one the dashboard links workflow ids to (default: the embedded UI when `npm start` runs it).',
  },
  maxCachedWorkflows: {
    env: 'TEMPORAL_MAX_CACHED_WORKFLOWS',
    file: 'temporal.maxCachedWorkflows',
    schema: z.coerce.number().int().min(0).max(100_000).default(500),
    allowed: 'an integer 0-100000',
    doc: 'Workflows a worker keeps in memory; idle sessions beyond it are evicted and replayed on demand.',
  },
  workerMetricsPort: {
    env: 'WORKER_METRICS_PORT',
    file: 'metrics.workerPort',
    schema: optional(port),
    allowed: 'a port, 1-65535',
    doc: "`npm run worker` serves GET /metrics (the process's and the Temporal SDK's metrics) on HOST at this port. Unset: a worker process serves none (`npm start` and `npm run api` serve /metrics on the API's port).",
  },
  temporalSdkMetrics: {
    env: 'TEMPORAL_SDK_METRICS',
    file: 'metrics.temporalSdk',
    schema: bool.default(true),
    allowed: 'true or false',
    doc: "The Temporal SDK's worker metrics (workflow task and activity latencies, sticky cache, pollers, slots), served with Claude Flow's at /metrics.",
  },
  githubWebhookSecret: {
    env: 'GITHUB_WEBHOOK_SECRET',
    file: 'github.webhookSecret',
    schema: optional(z.string().min(8)),
    allowed: 'the secret configured on the GitHub webhook (8+ characters)',
    doc: 'Verifies X-Hub-Signature-256 on GitHub webhook deliveries. Unset: the webhook endpoint refuses deliveries.',
    secret: true,
  },
  shellAllowlist: {
    env: 'CLAUDE_FLOW_SHELL_ALLOWLIST',
    file: 'workflows.shellAllowlist',
    schema: listOf(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._+-]*$/)).default([
      'git',
      'npm',
      'node',
      'ls',
      'cat',
      'echo',
      'grep',
    ]),
    allowed: 'program names without paths, comma-separated or a JSON array, e.g. git,npm,echo',
    doc: 'Programs the shell steps of custom workflows may run (argv form, never through a shell).',
  },
  webhookWorkflows: {
    env: 'CLAUDE_FLOW_WEBHOOK_WORKFLOWS',
    file: 'github.webhookWorkflows',
    schema: jsonObject(z.record(z.string().regex(/^[a-z_]+(\.[a-z_]+)?$/), z.string().regex(/^[A-Za-z]+$/))).default(
      {},
    ),
    allowed: 'JSON mapping "event" or "event.action" to a workflow type, e.g. {"pull_request.opened":"codeReview"}',
    doc: 'Which GitHub webhook events start which workflow (the delivery payload is its input).',
  },
} as const satisfies Record<string, SettingSpec>;

export type Settings = typeof SETTINGS;
export type SettingName = keyof Settings;
/** Every setting's validated value, by name. */
export type Values = { [K in SettingName]: z.output<Settings[K]['schema']> };

/**
 * The default the docs show for a setting: its schema's default as it would be written (lists
 * comma-separated, objects as JSON); undefined when it has none or the default is empty.
 */
export function documentedDefault(spec: SettingSpec): string | undefined {
  const parsed = spec.schema.safeParse(undefined);
  if (!parsed.success || parsed.data === undefined) return undefined;
  const value: unknown = parsed.data;
  const text = Array.isArray(value)
    ? value.join(',')
    : typeof value === 'object' && value !== null
      ? JSON.stringify(value)
      : String(value);
  return text === '' ? undefined : text;
}
