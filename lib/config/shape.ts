// The typed `Config` the rest of the code receives, and how it is built from the validated settings.
//
// Most of it is the settings nested by their `file` paths (`temporal.namespace` → config.temporal.namespace):
// toConfig spreads that tree and writes out only what differs (keys decoded, paths made absolute, a
// few renames). `Config` stays written out for its readers; a compile-time check below fails, naming
// the field, whenever it and what toConfig builds disagree on a single field.
import path from 'node:path';
import {
  decodeKey32,
  SETTINGS,
  type Price,
  type SettingName,
  type Settings,
  type TaskKind,
  type Values,
} from './settings';
import type { TracingConfig } from './tracing';

export interface Config {
  projectRoot: string;
  temporal: {
    /** Unset: the embedded stack provides one. */
    address: string | undefined;
    namespace: string;
    taskQueue: string;
    apiKey: string | undefined;
    tls: { cert?: string; key?: string; ca?: string; serverName?: string } | undefined;
    cliPath: string | undefined;
    /** What `npm start` runs when no address is configured: the CLI dev server or the Go-built Temporal Server. */
    server: 'dev' | 'cluster';
    testServerPath: string | undefined;
    port: number;
    uiPort: number;
    /** The Temporal Web UI the dashboard links workflow ids to (TEMPORAL_UI_URL, or the embedded one `npm start` runs). */
    uiUrl: string | undefined;
    maxCachedWorkflows: number;
  };
  database: { url: string | undefined; poolSize: number; embeddedPort: number };
  api: {
    port: number;
    host: string;
    apiKey: string | undefined;
    /** Requests (authFailures: failed authentications) per window; 0 turns a limit off. */
    rateLimit: { windowSeconds: number; perKey: number; perIp: number; authFailures: number };
    loginHours: number;
    corsOrigins: string[];
    liveRetentionSeconds: number;
  };
  enabled: boolean;
  github: {
    webhookSecret: string | undefined;
    webhookWorkflows: Record<string, string>;
    /** Undefined: the GitHub activities fail, non-retryable, saying to set GITHUB_TOKEN. */
    token: string | undefined;
    /** No trailing slash. */
    apiUrl: string;
  };
  /** Temporal payload encryption; undefined key: plain payloads. */
  payloads: { key: Buffer | undefined; previousKeys: Buffer[]; uiOrigins: string[] };
  memory: MemoryConfig;
  ai: {
    anthropic: { apiKey?: string; baseUrl?: string; model: string };
    openai: { apiKey?: string; baseUrl?: string; model: string; embeddingModel: string };
    auggie: { sessionAuth?: string; path: string; model?: string };
    /** Explicit chains; task kinds not listed use the defaults in activities/ai/router.ts. */
    routes: Partial<Record<TaskKind, string[]>>;
    pricing: Record<string, Price>;
    timeoutMs: number;
  };
  /** The security audit's analysers; unset: found on PATH or installed into .tools/ (stack/binaries.ts). */
  analysers: { gitleaksPath: string | undefined; semgrepPath: string | undefined };
  /** Custom workflows (.claude-flow/workflows/*.yaml). */
  customWorkflows: { shellAllowlist: string[] };
  /** Absolute. */
  workspaceDir: string;
  debug: boolean;
  logLevel: string;
  /** Absolute. */
  dataDir: string;
  /**
   * The values of every secret setting that is set, exactly as given (keys, tokens, the database
   * password): what output shown to users is masked for.
   */
  secrets: string[];
  metrics: {
    /** Where a worker-only process (`npm run worker`) serves /metrics; undefined: nowhere. */
    workerPort: number | undefined;
    /** The Temporal SDK's metrics are collected (and served with the process's own). */
    temporalSdk: boolean;
  };
  /** OpenTelemetry tracing, from the standard OTEL_* variables (tracing.ts). */
  tracing: TracingConfig;
}

export interface MemoryConfig {
  backend: Values['memoryBackend'];
  /** auto: embeddings from the `embed` route of `ai` when one is configured; off: none. */
  embeddings: Values['memoryEmbeddings'];
  /** memory: semantic search through this process's vector index (lib/memory/vector-index.ts); off: in SQL, bounded. */
  vectorIndex: Values['memoryVectorIndex'];
  /** The AI settings (the same object as Config.ai), for the `embed` route. */
  ai: Config['ai'];
  /** 32 bytes; seals new writes to sealed namespaces. */
  key: Buffer | undefined;
  /** 32 bytes; only decrypts (until rotation re-encrypts with `key`). */
  previousKey: Buffer | undefined;
  /** Namespace prefixes whose entries are sealed. */
  sealed: string[];
  maxValueBytes: number;
  compressBytes: number;
  versions: number;
  /** 0: no read cache. */
  cacheEntries: number;
  /** A duration like `1h`, or `off`. */
  maintenanceInterval: string;
  /** 0: no summaries. */
  summarizeOver: number;
  /** Absolute; undefined: no backups. */
  backupDir: string | undefined;
  backupKeep: number;
  /** What is saved automatically: off, exchanges, or all (exchanges, decisions, errors, workflow results). */
  autosave: AutosaveMode;
}

export type AutosaveMode = Values['memoryAutosave'];

/** One line, naming the setting, the value and what is allowed. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** The first segment of a dotted path. */
type Head<P extends string> = P extends `${infer H}.${string}` ? H : P;
/** Values keyed by dotted path, nested: `{ 'a.b': X, 'a.c': Y }` → `{ a: { b: X; c: Y } }`. */
type Nest<M> = {
  [H in Head<keyof M & string>]: H extends keyof M
    ? M[H]
    : Nest<{ [P in keyof M & string as P extends `${H}.${infer T}` ? T : never]: M[P] }>;
};
/** Every setting's value where the config files put it. */
type FileTree = Nest<{ [K in SettingName as Settings[K]['file']]: Values[K] }>;

function nest(values: Values): FileTree {
  const tree: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(SETTINGS)) {
    const parts = spec.file.split('.');
    let node = tree;
    for (const part of parts.slice(0, -1)) node = (node[part] ??= {}) as Record<string, unknown>;
    node[parts[parts.length - 1] as string] = values[name as SettingName];
  }
  return tree as FileTree;
}

/** The Config for validated settings; throws a ConfigError for combinations no single setting can refuse. */
export function toConfig(v: Values, projectRoot: string, tracing: TracingConfig) {
  const f = nest(v);
  const { tls, payloadKey, payloadPreviousKeys, uiUrl, ...temporal } = f.temporal;
  if (Boolean(tls.cert) !== Boolean(tls.key)) {
    throw new ConfigError(
      'Invalid setting TEMPORAL_TLS_CERT/TEMPORAL_TLS_KEY: allowed: both set (mTLS) or neither (set the other one)',
    );
  }
  const { key: apiKey, live, ...api } = f.api;
  const ai = {
    ...f.ai,
    auggie: { ...f.ai.auggie, path: f.ai.auggie.path ?? path.join(projectRoot, 'node_modules', '.bin', 'auggie') },
    routes: f.ai.routes ?? {},
    pricing: f.ai.pricing ?? {},
  };
  const decode = (key: string | undefined) => (key === undefined ? undefined : decodeKey32(key));
  return {
    projectRoot,
    temporal: {
      ...temporal,
      uiUrl: uiUrl?.replace(/\/+$/, ''),
      tls: tls.cert || tls.ca || tls.serverName ? tls : undefined,
    },
    database: f.database,
    api: { ...api, apiKey, liveRetentionSeconds: live.retentionSeconds },
    enabled: f.enabled,
    github: { ...f.github, apiUrl: f.github.apiUrl.replace(/\/+$/, '') },
    payloads: {
      key: decode(payloadKey),
      previousKeys: payloadPreviousKeys.map((k) => decodeKey32(k) as Buffer),
      uiOrigins: [
        `http://127.0.0.1:${temporal.uiPort}`,
        `http://localhost:${temporal.uiPort}`,
        ...(uiUrl ? [new URL(uiUrl).origin] : []),
      ],
    },
    memory: {
      ...f.memory,
      ai,
      key: decode(f.memory.key),
      previousKey: decode(f.memory.previousKey),
      backupDir: f.memory.backupDir === undefined ? undefined : path.resolve(projectRoot, f.memory.backupDir),
    },
    ai,
    analysers: f.analysers,
    customWorkflows: f.workflows,
    workspaceDir: path.resolve(projectRoot, f.workspace),
    debug: f.debug,
    logLevel: f.debug ? 'debug' : f.logLevel,
    dataDir: path.resolve(projectRoot, f.dataDir),
    secrets: secretValues(v),
    metrics: f.metrics,
    tracing,
  } satisfies Config;
}

/** The value of every secret setting that is set (and the database password), as given. */
function secretValues(v: Values): string[] {
  const out = new Set<string>();
  for (const [name, spec] of Object.entries(SETTINGS) as [SettingName, { secret?: boolean }][]) {
    const value = v[name];
    if (spec.secret && typeof value === 'string' && value !== '') out.add(value);
  }
  const db = v.databaseUrl;
  if (typeof db === 'string' && URL.canParse(db)) {
    const password = decodeURIComponent(new URL(db).password);
    if (password) out.add(password);
  }
  return [...out];
}

/** Every path to a value in T (`.temporal.tls.cert`); lists, buffers and open records count as values. */
type FieldPaths<T, P extends string = ''> = T extends Buffer | readonly unknown[] | string | number | boolean | null
  ? P
  : T extends undefined
    ? P
    : string extends keyof T
      ? P
      : { [K in keyof T & string]-?: FieldPaths<T[K], `${P}.${K}`> }[keyof T & string];
type Built = ReturnType<typeof toConfig>;
type Unmatched = Exclude<FieldPaths<Config>, FieldPaths<Built>> | Exclude<FieldPaths<Built>, FieldPaths<Config>>;
type Expect<T extends true> = T;
// Does not compile when a field of Config is not built, or a setting reaches the built object
// without a field in Config: the error names the field.
type _EveryFieldBuilt = Expect<[Unmatched] extends [never] ? true : Unmatched>;
