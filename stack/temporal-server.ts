// The Temporal CLI dev server as a child process: persisted to a SQLite file when asked, Web UI on
// its own port, the project's search attributes registered at launch.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTES } from '../lib/temporal';

export interface TemporalServerOptions {
  executable: string;
  ip?: string;
  port: number;
  /** Web UI port; `undefined` runs headless. */
  uiPort?: number;
  /** SQLite file keeping workflows across restarts; `undefined` keeps everything in memory. */
  dbFilename?: string;
  namespace: string;
  /** The server's own output goes here. */
  logFile: string;
  /** Remote codec the Web UI calls to show decoded payloads. */
  uiCodecEndpoint?: string;
  /** @default 30_000 */
  readyTimeoutMs?: number;
}

export interface TemporalServer {
  address: string;
  uiUrl: string | undefined;
  pid: number;
  /** Resolves once the process has exited. Sends SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
  exited: Promise<number | null>;
  /** The signal that ended the process, once it has exited (null: it exited by itself). */
  exitSignal?(): NodeJS.Signals | null;
}

async function portFree(ip: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, ip, () => srv.close(() => resolve(true)));
  });
}

/** A port the OS says is free right now on `ip`. */
export async function freePort(ip = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, ip, () => {
      const addr = srv.address() as net.AddressInfo;
      srv.close(() => resolve(addr.port));
    });
  });
}

/**
 * Timers on time: by default the server may fire a timer up to a second late (it shifts its timer
 * reads by up to history.timerProcessorMaxTimeShift, which suits a busy cluster). On one machine
 * that second lands on every heartbeat timeout, retry back-off, sleep and approval deadline: a turn
 * whose worker died was retried 1.6 s after its 3-s heartbeat timeout, on time with this
 * (bench/turn-resume: kill to retried call 5.4 -> 3.7 s).
 */
const DEV_SERVER_TUNING = ['--dynamic-config-value', 'history.timerProcessorMaxTimeShift="10ms"'];

export async function startTemporalServer(opts: TemporalServerOptions): Promise<TemporalServer> {
  const ip = opts.ip ?? '127.0.0.1';
  for (const [what, p] of [
    ['gRPC', opts.port],
    ['Web UI', opts.uiPort],
  ] as const) {
    if (p !== undefined && !(await portFree(ip, p))) {
      throw new Error(
        `Temporal ${what} port ${p} on ${ip} is already in use: stop what uses it, or set ${what === 'gRPC' ? 'TEMPORAL_PORT' : 'TEMPORAL_UI_PORT'} to another port`,
      );
    }
  }
  const args = ['server', 'start-dev', '--ip', ip, '--port', String(opts.port), '--log-level', 'warn'];
  args.push('--namespace', opts.namespace);
  for (const [name, type] of Object.entries(SEARCH_ATTRIBUTES)) args.push('--search-attribute', `${name}=${type}`);
  if (opts.dbFilename) {
    fs.mkdirSync(path.dirname(opts.dbFilename), { recursive: true });
    args.push('--db-filename', opts.dbFilename);
  }
  if (opts.uiPort === undefined) args.push('--headless');
  else args.push('--ui-port', String(opts.uiPort), '--ui-disable-news-fetch');
  if (opts.uiCodecEndpoint) args.push('--ui-codec-endpoint', opts.uiCodecEndpoint);
  args.push(...DEV_SERVER_TUNING);

  fs.mkdirSync(path.dirname(opts.logFile), { recursive: true });
  const log = fs.openSync(opts.logFile, 'a');
  const child: ChildProcess = spawn(opts.executable, args, { stdio: ['ignore', log, log] });
  fs.closeSync(log);
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.once('error', () => resolve(-1)); // could not be spawned at all
  });
  const address = `${ip}:${opts.port}`;

  const stop = async (graceMs = 10_000): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  };

  try {
    await waitUntilServing(address, opts.namespace, exited, opts.readyTimeoutMs ?? 30_000, opts.logFile);
  } catch (err) {
    await stop(2_000);
    throw err;
  }
  return {
    address,
    uiUrl: opts.uiPort === undefined ? undefined : `http://${ip === '0.0.0.0' ? 'localhost' : ip}:${opts.uiPort}`,
    pid: child.pid ?? -1,
    stop,
    exited,
    exitSignal: () => child.signalCode,
  };
}

async function waitUntilServing(
  address: string,
  namespace: string,
  exited: Promise<number | null>,
  timeoutMs: number,
  logFile: string,
): Promise<void> {
  let dead: number | null | undefined;
  void exited.then((code) => (dead = code));
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  while (Date.now() < deadline) {
    if (dead !== undefined) {
      throw new Error(`Temporal dev server exited with code ${dead} while starting; see ${logFile}`);
    }
    try {
      const conn = await Connection.connect({ address, connectTimeout: 1_000 });
      try {
        await conn.workflowService.describeNamespace({ namespace });
        return;
      } finally {
        await conn.close();
      }
    } catch (err) {
      lastError = (err as Error).message;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`Temporal dev server at ${address} not ready after ${timeoutMs} ms (${lastError}); see ${logFile}`);
}

/**
 * Last resort for machines with internet access: the SDK downloads the Temporal CLI into its own
 * cache and runs it. Same flags as {@link startTemporalServer}; the process is the SDK's to manage.
 */
export async function startSdkDownloadedServer(
  opts: Omit<TemporalServerOptions, 'executable'>,
): Promise<TemporalServer> {
  const { TestWorkflowEnvironment } = await import('@temporalio/testing');
  const ip = opts.ip ?? '127.0.0.1';
  const extraArgs = Object.entries(SEARCH_ATTRIBUTES).flatMap(([name, type]) => [
    '--search-attribute',
    `${name}=${type}`,
  ]);
  if (opts.uiCodecEndpoint) extraArgs.push('--ui-codec-endpoint', opts.uiCodecEndpoint);
  extraArgs.push(...DEV_SERVER_TUNING);
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'cached-download' },
      ip,
      port: opts.port,
      ui: opts.uiPort !== undefined,
      uiPort: opts.uiPort,
      dbFilename: opts.dbFilename,
      namespace: opts.namespace,
      extraArgs,
    },
  });
  let resolveExit: (code: number | null) => void = () => undefined;
  const exited = new Promise<number | null>((r) => (resolveExit = r));
  return {
    address: `${ip}:${opts.port}`,
    uiUrl: opts.uiPort === undefined ? undefined : `http://${ip}:${opts.uiPort}`,
    pid: -1,
    exited,
    async stop() {
      await env.teardown();
      resolveExit(0);
    },
  };
}
