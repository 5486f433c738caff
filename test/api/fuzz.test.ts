// Property-based fuzzing from the OpenAPI document: schemathesis (PyPI, installed into
// .tools/schemathesis on first use) sends generated valid and invalid requests to every declared
// operation of a real server, and no answer may be a 5xx. Bounded: a fixed seed and a fixed number
// of examples per operation. The live endpoints stream forever, so they are left out.
// FUZZ_SEED=<n> tries another seed; FUZZ_EXAMPLES=<n> changes the examples per operation.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { startApi, type ApiServer } from '../../api/server';
import { startTestApp, type TestApp } from '../helpers/stack';

const ROOT = path.resolve(__dirname, '../..');
const SCHEMATHESIS = 'schemathesis==4.32.5';
const TOOLS = path.join(ROOT, '.tools', 'schemathesis');
const PYTHON = 'python3';
const env = { ...process.env, PYTHONPATH: TOOLS, PYTHONDONTWRITEBYTECODE: '1', NO_COLOR: '1' };

/** The installed schemathesis version, installing it with pip when missing (idempotent). */
function ensureSchemathesis(): string {
  const version = () =>
    spawnSync(PYTHON, ['-c', 'import importlib.metadata as m; print(m.version("schemathesis"))'], {
      env,
      encoding: 'utf8',
    });
  let v = version();
  if (v.status !== 0) {
    const pip = spawnSync(
      PYTHON,
      ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--target', TOOLS, SCHEMATHESIS],
      { encoding: 'utf8', timeout: 300_000 },
    );
    if (pip.status !== 0) throw new Error(`pip install ${SCHEMATHESIS} failed:\n${pip.stderr || pip.stdout}`);
    v = version();
    if (v.status !== 0) throw new Error(`schemathesis is not importable after pip install:\n${v.stderr}`);
  }
  return v.stdout.trim();
}

/** Runs the CLI without blocking this process's event loop (the server under test lives here). */
function run(args: string[], timeoutMs: number): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, ['-m', 'schemathesis.cli', ...args], { env, cwd: ROOT });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

let app: TestApp;
let api: ApiServer;
beforeAll(async () => {
  ensureSchemathesis();
  // No API key: local admin, so every route is reachable. No rate limit: 429s would hide routes.
  app = await startTestApp({ env: { CLAUDE_FLOW_RATE_LIMIT_PER_IP: '0', CLAUDE_FLOW_RATE_LIMIT_PER_KEY: '0' } });
  const config = { ...app.config, api: { ...app.config.api, host: '127.0.0.1', port: 0 } };
  api = await startApi({ ...app, config, temporal: app.client });
}, 300_000);
afterAll(async () => {
  await api?.close();
  await app?.close();
});

test('schemathesis finds no 5xx on any operation of the OpenAPI document', async () => {
  const reportDir = fs.mkdtempSync(path.join(app.config.dataDir, 'schemathesis-'));
  const { code, output } = await run(
    [
      'run',
      `${api.url}/api/claude-flow/openapi.json`,
      '--url',
      api.url,
      '--checks',
      'not_a_server_error',
      '--phases',
      'examples,coverage,fuzzing',
      '--max-examples',
      process.env.FUZZ_EXAMPLES ?? '25',
      '--seed',
      process.env.FUZZ_SEED ?? '1',
      '--workers',
      '2',
      '--request-timeout',
      '20',
      '--exclude-path-regex',
      '^/api/claude-flow/live',
      '--generation-database',
      'none',
      '--suppress-health-check',
      'all',
      '--no-color',
      '--report-dir',
      reportDir,
    ],
    150_000,
  );
  if (code !== 0) throw new Error(`schemathesis exited with ${code}:\n${output}`);
  expect(output).not.toMatch(/Server error/i);
}, 240_000);
