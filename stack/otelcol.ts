// A real OpenTelemetry Collector to receive spans: ops/otelcol, a minimal distribution of the
// Collector's core modules (the OTLP receiver, over HTTP and gRPC) with an exporter that appends
// every export to a file as one line of OTLP JSON. Built once with `go build` into
// .tools/otelcol/v<release>-<source hash>/ (a staging folder renamed into place when complete) and
// reused from there; the tracing test and bench/observability.ts run it on loopback ports.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { BinaryNotFoundError } from './binaries';

/** The Collector release every module in ops/otelcol/go.mod is pinned to. */
export const OTELCOL_VERSION = '0.165.0';
export const OTELCOL_SOURCE = path.join('ops', 'otelcol');
const COMMAND = 'cf-otelcol';

/** Where the build of the current sources is cached, relative to the project root. */
export function otelcolToolsDir(root: string): string {
  const hash = createHash('sha256');
  const dir = path.join(root, OTELCOL_SOURCE);
  const sources = fs.readdirSync(dir).filter((f) => /\.go$|^go\.(mod|sum)$/.test(f));
  for (const f of sources.sort()) hash.update(f).update(fs.readFileSync(path.join(dir, f)));
  return path.join('.tools', 'otelcol', `v${OTELCOL_VERSION}-${hash.digest('hex').slice(0, 12)}`);
}

const binaryIn = (dir: string) => path.join(dir, 'bin', COMMAND);

/** Why the collector cannot be had on this machine (not built, no Go to build it), or undefined. */
export function otelcolUnavailableReason(root: string): string | undefined {
  if (fs.existsSync(binaryIn(path.join(root, otelcolToolsDir(root))))) return undefined;
  if (spawnSync('go', ['version'], { stdio: 'ignore' }).status === 0) return undefined;
  return (
    `the OpenTelemetry Collector (${OTELCOL_SOURCE}, release ${OTELCOL_VERSION}) is not built in .tools/otelcol and Go ` +
    `is not on PATH: install Go 1.26 or later (https://go.dev/dl/) and run again; the first run builds it (a few minutes: about 4 CPU-minutes from an empty Go cache)`
  );
}

/**
 * The collector's executable, built from ops/otelcol on first use (`go build`, a few minutes) and
 * reused while its sources are unchanged.
 * @throws BinaryNotFoundError when it is not built and Go is not installed, saying what to install.
 */
export async function findOtelcol(opts: { root: string; log?: (line: string) => void }): Promise<string> {
  const dir = path.join(opts.root, otelcolToolsDir(opts.root));
  if (fs.existsSync(binaryIn(dir))) return binaryIn(dir);
  const reason = otelcolUnavailableReason(opts.root);
  if (reason) throw new BinaryNotFoundError(reason);
  const staging = `${dir}.partial-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(path.join(staging, 'bin'), { recursive: true });
  opts.log?.(`building the OpenTelemetry Collector ${OTELCOL_VERSION} (${OTELCOL_SOURCE}) into ${dir} (one-time)...`);
  const t0 = Date.now();
  await goBuild(path.join(opts.root, OTELCOL_SOURCE), binaryIn(staging));
  if (!fs.existsSync(dir)) fs.renameSync(staging, dir);
  else fs.rmSync(staging, { recursive: true, force: true }); // another process finished first
  opts.log?.(`built the OpenTelemetry Collector in ${Math.round((Date.now() - t0) / 1000)} s`);
  return binaryIn(dir);
}

function goBuild(cwd: string, output: string): Promise<void> {
  return new Promise((resolve, reject) => {
    // -trimpath: the same binary wherever the project is; the module cache and proxy are Go's own settings.
    const child = spawn('go', ['build', '-trimpath', '-o', output, '.'], {
      cwd,
      // eslint-disable-next-line no-restricted-properties -- the Go toolchain reads its own variables
      env: { ...process.env, CGO_ENABLED: '0', GOFLAGS: '-mod=readonly' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 1_200_000);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`go build in ${cwd} failed (${signal ?? `exit ${code}`}): ${out.trim().slice(-2000)}`));
    });
  });
}

/** A span as the collector wrote it, flattened: ids in hex, attribute values as plain values. */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  /** OTLP SpanKind: 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  attributes: Record<string, unknown>;
  /** The resource's service.name. */
  service: string;
}

export interface Otelcol {
  /** The OTLP/HTTP base URL, for OTEL_EXPORTER_OTLP_ENDPOINT. */
  endpoint: string;
  /** host:port of the OTLP/gRPC receiver. */
  grpcAddress: string;
  /** The OTLP JSON lines file: one line per export the collector received. */
  spansFile: string;
  /** Every span in the file so far. */
  spans(): ReceivedSpan[];
  /** How many exports (requests with spans) the collector has written. */
  exports(): number;
  stop(): Promise<void>;
}

interface AnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string | number;
  doubleValue?: number;
  arrayValue?: { values?: AnyValue[] };
}
interface KeyValue {
  key: string;
  value?: AnyValue;
}
interface ExportLine {
  resourceSpans?: {
    resource?: { attributes?: KeyValue[] };
    scopeSpans?: {
      spans?: {
        traceId?: string;
        spanId?: string;
        parentSpanId?: string;
        name: string;
        kind?: number;
        attributes?: KeyValue[];
      }[];
    }[];
  }[];
}

function value(v: AnyValue | undefined): unknown {
  if (!v) return undefined;
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.arrayValue) return (v.arrayValue.values ?? []).map(value);
  return undefined;
}

const attrs = (list: KeyValue[] | undefined) => Object.fromEntries((list ?? []).map((a) => [a.key, value(a.value)]));

/** The complete lines of the file (a line still being written has no newline yet). */
function lines(file: string): string[] {
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  return text
    .slice(0, text.lastIndexOf('\n') + 1)
    .split('\n')
    .filter(Boolean);
}

/** The spans in an OTLP JSON lines file, as cf-otelcol's jsonfile exporter writes it. */
export function readSpans(file: string): ReceivedSpan[] {
  const spans: ReceivedSpan[] = [];
  for (const line of lines(file)) {
    for (const rs of (JSON.parse(line) as ExportLine).resourceSpans ?? []) {
      const service = String(attrs(rs.resource?.attributes)['service.name'] ?? '');
      for (const ss of rs.scopeSpans ?? []) {
        for (const s of ss.spans ?? []) {
          spans.push({
            traceId: s.traceId ?? '',
            spanId: s.spanId ?? '',
            parentSpanId: s.parentSpanId ?? '',
            name: s.name,
            kind: s.kind ?? 0,
            attributes: attrs(s.attributes),
            service,
          });
        }
      }
    }
  }
  return spans;
}

/**
 * Starts the collector with ops/otelcol/config.yaml on free loopback ports, writing spans to
 * `<dir>/spans.jsonl` and its log to `<dir>/otelcol.log`; resolves once both receivers listen.
 */
export async function startOtelcol(opts: {
  executable: string;
  root: string;
  dir: string;
  readyTimeoutMs?: number;
}): Promise<Otelcol> {
  fs.mkdirSync(opts.dir, { recursive: true });
  const spansFile = path.join(opts.dir, 'spans.jsonl');
  const logFile = path.join(opts.dir, 'otelcol.log');
  const log = fs.openSync(logFile, 'a');
  const child: ChildProcess = spawn(
    opts.executable,
    [
      '--config',
      path.join(opts.root, OTELCOL_SOURCE, 'config.yaml'),
      // JSON log lines, so the ports the receivers bound (port 0: the system picks) can be read back.
      '--set',
      'service.telemetry.logs.encoding=json',
    ],
    {
      env: {
        // eslint-disable-next-line no-restricted-properties -- the collector's config reads the three below itself
        ...process.env,
        OTELCOL_HTTP_ENDPOINT: '127.0.0.1:0',
        OTELCOL_GRPC_ENDPOINT: '127.0.0.1:0',
        OTELCOL_SPANS_FILE: spansFile,
      },
      stdio: ['ignore', log, log],
    },
  );
  fs.closeSync(log);
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.once('error', () => resolve(-1));
  });
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  let dead: number | null | undefined;
  void exited.then((code) => (dead = code));
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 60_000);
  for (;;) {
    const listening: Record<string, string> = {};
    let ready = false;
    for (const line of fs.readFileSync(logFile, 'utf8').split('\n')) {
      if (!line.startsWith('{')) continue;
      const entry = JSON.parse(line) as { msg?: string; endpoint?: string };
      if (entry.msg === 'Starting HTTP server' && entry.endpoint) listening.http = entry.endpoint;
      if (entry.msg === 'Starting GRPC server' && entry.endpoint) listening.grpc = entry.endpoint;
      if (entry.msg?.startsWith('Everything is ready')) ready = true;
    }
    if (ready && listening.http && listening.grpc) {
      return {
        endpoint: `http://${listening.http}`,
        grpcAddress: listening.grpc,
        spansFile,
        spans: () => readSpans(spansFile),
        exports: () => lines(spansFile).length,
        stop,
      };
    }
    if (dead !== undefined || Date.now() > deadline) {
      await stop();
      const tail = fs.readFileSync(logFile, 'utf8').trim().split('\n').slice(-6).join('\n');
      throw new Error(
        `the OpenTelemetry Collector ${dead !== undefined ? `exited with code ${dead}` : 'did not get ready'} while starting (${logFile}):\n${tail}`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
