// Tools the tests run besides node and jest, installed into .tools/ once, like the Temporal CLI:
// gotestsum (built from its Go module) for the test-run fixtures, ruff (from PyPI) for code review,
// and a Maven repository of the project's own (.tools/m2), so Maven downloads its plugins there, not
// into the user's ~/.m2.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findBinary, type BinarySpec } from '../../stack/binaries';

const ROOT = path.join(__dirname, '..', '..');
const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'test-run');

export const GOTESTSUM: BinarySpec = {
  command: 'gotestsum',
  goPackage: 'gotest.tools/gotestsum@v1.13.0',
  toolsDir: path.join('.tools', 'gotestsum'),
};

/** The gotestsum binary, built into .tools/ when needed; or why there is none. */
export function gotestsum(): { path: string } | { missing: string } {
  try {
    return {
      path: findBinary(GOTESTSUM, {
        configuredName: 'GOTESTSUM_PATH',
        configured: process.env.GOTESTSUM_PATH,
        root: ROOT,
      }),
    };
  } catch (err) {
    return { missing: (err as Error).message };
  }
}

export const RUFF: BinarySpec = {
  command: 'ruff',
  pypi: 'ruff==0.17.5',
  toolsDir: path.join('.tools', 'ruff'),
};

/** The ruff binary, installed into .tools/ when needed; or why there is none. */
export function ruff(): { path: string } | { missing: string } {
  try {
    return { path: findBinary(RUFF, { configuredName: 'RUFF_PATH', configured: process.env.RUFF_PATH, root: ROOT }) };
  } catch (err) {
    return { missing: (err as Error).message };
  }
}

/** Whether `command` runs here (`command --version` exits 0). */
export function runs(command: string, args = ['--version']): boolean {
  return spawnSync(command, args, { stdio: 'ignore', timeout: 60_000 }).status === 0;
}

/** The Maven repository the fixtures use. */
export const MAVEN_REPO = path.join(ROOT, '.tools', 'm2');

/** A copy of the fixture project `name` in a temp directory of its own. */
export function fixtureCopy(name: string, dirs: string[]): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `cf-${name}-`));
  dirs.push(dir);
  fs.cpSync(path.join(FIXTURES, name), dir, { recursive: true });
  return dir;
}
