// Running a repository's own commands (tests, builds, linters, audits, allowlisted shell steps) from
// activities: a new process group, so a timeout or a cancelled activity kills the whole tree;
// heartbeats while it runs, so Temporal notices a dead worker; output kept to a bounded tail.
//
// These are user-given programs, so they never see the worker's secrets: they get a minimal,
// explicit environment (CHILD_ENV_ALLOWLIST, plus what the caller declares), and every configured
// secret that still shows up in their output is masked before the output is returned, stored or
// shown.
import { spawn } from 'node:child_process';
import { Context } from '@temporalio/activity';

export interface RunCommandInput {
  /** The program and its arguments (no shell unless `shell` is set). */
  command: string;
  args?: string[];
  cwd: string;
  /** Run through `/bin/sh -c` (command is then the whole command line). */
  shell?: boolean;
  /** Variables the step declares, on top of the allowlisted part of the worker's environment. */
  env?: Record<string, string>;
  /** Kill the process tree after this long. @default 600000 (10 minutes) */
  timeoutMs?: number;
  /** Bytes of stdout and of stderr kept (the tail). @default 1 MiB */
  maxOutputBytes?: number;
  /** Text written to stdin, then closed. */
  input?: string;
}

export interface RunCommandResult {
  exitCode: number | null;
  /** The signal that ended the process, if one did. */
  signal: string | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  /** True when output was longer than the kept tail. */
  truncated: boolean;
  durationMs: number;
}

const KILL_GRACE_MS = 2_000;

/**
 * What a user-given program inherits from the worker's environment: where programs and toolchains
 * live, the locale and temporary files; nothing that carries a credential.
 */
export const CHILD_ENV_ALLOWLIST: readonly string[] = [
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'SHELL',
  'LANG',
  'LANGUAGE',
  'LC_*',
  'TZ',
  'TERM',
  'TMPDIR',
  'CI',
  'GOPATH',
  'GOROOT',
  'GOCACHE',
  'GOMODCACHE',
  'CARGO_HOME',
  'RUSTUP_HOME',
  'JAVA_HOME',
  'PYENV_ROOT',
  'VIRTUAL_ENV',
];

/** The allowlisted part of `env`. */
export function childEnvironment(env: NodeJS.ProcessEnv, allow: readonly string[] = CHILD_ENV_ALLOWLIST) {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) continue;
    if (allow.some((a) => (a.endsWith('*') ? name.startsWith(a.slice(0, -1)) : name === a))) out[name] = value;
  }
  return out;
}

let secrets: string[] = [];
/** The worker's secrets (Config.secrets), masked in every command's output. Set once per worker. */
export function maskSecretsInOutput(values: readonly string[]): void {
  // Longest first, so a secret that contains another is masked whole; very short values would
  // mask ordinary text and protect nothing.
  secrets = [...new Set(values)].filter((v) => v.length >= 6).sort((a, b) => b.length - a.length);
}

const MASK = '[masked]';
/** `text` with every known secret replaced by a mask. */
export function masked(text: string): string {
  let out = text;
  for (const s of secrets) if (out.includes(s)) out = out.split(s).join(MASK);
  return out;
}

/** Kills the process group `pid` leads: SIGTERM, then SIGKILL after a grace period. */
function killTree(pid: number, exited: () => boolean): void {
  const kill = (signal: NodeJS.Signals) => {
    try {
      process.kill(-pid, signal);
    } catch {
      /* already gone */
    }
  };
  kill('SIGTERM');
  setTimeout(() => {
    if (!exited()) kill('SIGKILL');
  }, KILL_GRACE_MS).unref();
}

class Tail {
  private chunks: Buffer[] = [];
  private size = 0;
  truncated = false;
  constructor(private readonly max: number) {}
  push(b: Buffer) {
    this.chunks.push(b);
    this.size += b.length;
    while (this.size > this.max && this.chunks.length > 1) {
      this.size -= (this.chunks.shift() as Buffer).length;
      this.truncated = true;
    }
    if (this.size > this.max) {
      const only = this.chunks[0];
      this.chunks[0] = only.subarray(only.length - this.max);
      this.size = this.max;
      this.truncated = true;
    }
  }
  text() {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

/**
 * Runs one command to its end. Inside an activity it heartbeats every few seconds and kills the
 * process tree when the activity is cancelled (then rethrows the cancellation); outside one it just
 * runs. A non-zero exit is a result, not an error: callers decide what failure means.
 */
export async function runCommand(input: RunCommandInput): Promise<RunCommandResult> {
  const started = Date.now();
  let ctx: Context | undefined;
  try {
    ctx = Context.current();
  } catch {
    ctx = undefined;
  }
  const max = input.maxOutputBytes ?? 1024 * 1024;
  const out = new Tail(max);
  const err = new Tail(max);
  // eslint-disable-next-line no-restricted-properties -- filtered by the allowlist, never passed whole
  const env = { ...childEnvironment(process.env), ...input.env };
  const options = { cwd: input.cwd, env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] as ['pipe', 'pipe', 'pipe'] };
  const child = input.shell
    ? spawn('/bin/sh', ['-c', input.command], options)
    : spawn(input.command, input.args ?? [], options);
  let exited = false;
  let timedOut = false;
  let cancelled = false;
  child.stdout.on('data', (b: Buffer) => out.push(b));
  child.stderr.on('data', (b: Buffer) => err.push(b));
  child.stdin.on('error', () => undefined);
  child.stdin.end(input.input ?? '');

  const timer = setTimeout(() => {
    timedOut = true;
    if (child.pid) killTree(child.pid, () => exited);
  }, input.timeoutMs ?? 600_000);
  const beat = ctx
    ? setInterval(() => ctx.heartbeat({ pid: child.pid, elapsedMs: Date.now() - started }), 3_000)
    : undefined;
  const onCancel = () => {
    cancelled = true;
    if (child.pid) killTree(child.pid, () => exited);
  };
  ctx?.cancellationSignal.addEventListener('abort', onCancel);

  try {
    const { code, signal } = await new Promise<{ code: number | null; signal: string | null }>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code, signal) => resolve({ code, signal }));
    });
    exited = true;
    if (cancelled && ctx) throw ctx.cancellationSignal.reason ?? new Error('cancelled');
    return {
      exitCode: code,
      signal,
      timedOut,
      stdout: masked(out.text()),
      stderr: masked(err.text()),
      truncated: out.truncated || err.truncated,
      durationMs: Date.now() - started,
    };
  } catch (e) {
    exited = true;
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error(`${input.shell ? '/bin/sh' : input.command} is not installed or not on PATH (cwd ${input.cwd})`);
    }
    throw e;
  } finally {
    clearTimeout(timer);
    if (beat) clearInterval(beat);
    ctx?.cancellationSignal.removeEventListener('abort', onCancel);
    // The leader may exit before its children: make sure nothing of the group outlives the run.
    if (child.pid) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  }
}
