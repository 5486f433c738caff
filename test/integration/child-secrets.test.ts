// User-given programs (a testRun command, a custom workflow's shell step) never see the worker's
// secrets: they run with an allowlisted environment, and a configured secret that reaches their
// output some other way (here: a file in the repository) is masked before anyone sees it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { testRun } from '../../workflows';
import { startTestApp, type TestApp } from '../helpers/stack';

jest.setTimeout(60_000);

const SECRETS = {
  CLAUDE_FLOW_API_KEY: 'cf-admin-key-do-not-show-7f3a9c',
  CLAUDE_FLOW_MEMORY_KEY: Buffer.alloc(32, 7).toString('base64'),
  GITHUB_TOKEN: 'ghp_workerSecretToken0123456789abcdef',
};
const saved: Record<string, string | undefined> = {};
let app: TestApp;
let repo: string;

beforeAll(async () => {
  // The worker process itself holds the secrets in its environment, as it does in production.
  for (const [k, v] of Object.entries(SECRETS)) {
    saved[k] = process.env[k];
    process.env[k] = v;
  }
  repo = fs.mkdtempSync(path.join(os.tmpdir(), 'cf-secrets-'));
  fs.writeFileSync(path.join(repo, 'leak.txt'), `${SECRETS.CLAUDE_FLOW_API_KEY}\n`);
  // Prints its whole environment and the file, then fails (so the output is kept for triage).
  fs.writeFileSync(
    path.join(repo, 'print.js'),
    "console.log(JSON.stringify(process.env)); console.log(require('fs').readFileSync('leak.txt', 'utf8')); process.exit(1);\n",
  );
  app = await startTestApp({ env: { ...SECRETS, CLAUDE_FLOW_WORKSPACE: repo } });
});
afterAll(async () => {
  await app?.close();
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  fs.rmSync(repo, { recursive: true, force: true });
});

const shows = (text: string) => Object.values(SECRETS).filter((s) => text.includes(s));

test('a testRun command that prints the environment shows no secret', async () => {
  const r = await app.client.workflow.execute(testRun, {
    taskQueue: app.config.temporal.taskQueue,
    workflowId: `secrets-testrun-${Date.now()}`,
    args: [{ path: repo, command: 'node print.js' }],
  });
  expect(r.outputTail).toContain('"PATH":'); // it did print its environment
  expect(r.outputTail).toContain('[masked]'); // and the file's secret, masked
  expect(shows(JSON.stringify(r))).toEqual([]);
});

test("a custom workflow's shell step that prints the environment shows no secret", async () => {
  const dir = path.join(repo, '.claude-flow', 'workflows');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'leaky.yaml'),
    `steps:\n  - id: env\n    shell: {command: node, args: [print.js], allowFailure: true}\noutputs:\n  text: \${{ steps.env.output.text }}\n`,
  );
  const r = await app.client.workflow.execute('custom', {
    taskQueue: app.config.temporal.taskQueue,
    workflowId: `secrets-custom-${Date.now()}`,
    args: [{ name: 'leaky', inputs: {} }],
  });
  const text = JSON.stringify(r);
  expect(text).toContain('PATH');
  expect(text).toContain('[masked]');
  expect(shows(text)).toEqual([]);
  // Nor in what the run saved to memory.
  const saved = await app.pool.query<{ value: Buffer }>(
    "SELECT value FROM memory_entry WHERE namespace LIKE 'workflows/%'",
  );
  expect(shows(saved.rows.map((row) => row.value.toString('utf8')).join('\n'))).toEqual([]);
});
