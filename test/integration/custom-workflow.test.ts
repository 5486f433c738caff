// Custom workflows end to end: YAML files in a real git repository, the `custom` workflow on the real
// dev server and worker, real PostgreSQL (memory), real subprocesses (git, echo), a real HTTP server on
// 127.0.0.1, child workflows, approvals, run pinning, and the AI and GitHub steps against the
// wire-level fakes.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import request from 'supertest';
import { createApp } from '../../api/app';
import { createHash } from 'node:crypto';
import { approvalDecidedSignal } from '../../workflows/contract/session-messages';
import { progressQuery } from '../../workflows/dev/common';
import type { CustomResult } from '../../workflows/contract/custom-types';
import { startFakeGithub, type FakeGithub } from '../fakes/github';
import { startFakeOpenAI, type FakeOpenAIServer } from '../fakes/openai';
import { startTestApp, type TestApp } from '../helpers/stack';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cf-custom-'));
const repo = path.join(tmp, 'repo');
const wfDir = path.join(repo, '.claude-flow', 'workflows');

function write(name: string, text: string): string {
  fs.writeFileSync(path.join(wfDir, `${name}.yaml`), text);
  return createHash('sha256').update(text).digest('hex');
}

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}
const seen: Seen[] = [];
let server: http.Server;
let base: string;
let app: TestApp;
let seq = 0;

beforeAll(async () => {
  fs.mkdirSync(wfDir, { recursive: true });
  const git = (...args: string[]) => execFileSync('git', args, { cwd: repo });
  git('init', '-q', '-b', 'main');
  git('config', 'user.email', 't@example.com');
  git('config', 'user.name', 'Test');
  fs.writeFileSync(path.join(repo, 'README.md'), '# demo\n');
  git('add', '.');
  git('commit', '-q', '-m', 'first');

  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ method: req.method as string, url: req.url as string, headers: req.headers, body });
      if (req.url === '/status') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ ok: true, version: '1.2.3' }));
      } else if (req.url === '/hook' && req.method === 'POST') {
        res.writeHead(201, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ received: JSON.parse(body || 'null') }));
      } else {
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('no such thing');
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  app = await startTestApp({ env: { CLAUDE_FLOW_WORKSPACE: repo } });
});

afterAll(async () => {
  await app?.close();
  await new Promise((r) => server?.close(r));
  fs.rmSync(tmp, { recursive: true, force: true });
});

function start(a: TestApp, name: string, inputs: Record<string, unknown> = {}, extra: object = {}) {
  return a.client.workflow.start('custom', {
    taskQueue: a.config.temporal.taskQueue,
    workflowId: `custom-test-${Date.now()}-${++seq}`,
    args: [{ name, inputs, ...extra }],
  });
}

async function failureOf(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkflowFailedError);
  return (err as WorkflowFailedError).cause?.message ?? '';
}

const GREET = `
inputs:
  who: {type: string, required: true}
steps:
  - id: say
    shell: {command: echo, args: ['hi \${{ inputs.who }} from \${{ workflow.name }}']}
outputs:
  greeting: \${{ steps.say.output.text }}
`;

const MAIN = `
name: main
inputs:
  who: {type: string, required: true}
  base: {type: string, required: true}
  items: {type: array, default: [a, b, c]}
steps:
  - id: head
    shell: {command: git, args: [rev-parse, HEAD]}
  - id: greet
    shell: {command: echo, args: ['hello \${{ inputs.who }}', '$(touch pwned)']}
  - id: status
    http: {url: '\${{ inputs.base }}/status'}
  - id: fan
    parallel:
      steps:
        - id: save
          memory:
            action: set
            namespace: workflows/test/
            key: head
            value: {head: '\${{ steps.head.output.text }}', who: '\${{ inputs.who }}'}
        - id: post
          http:
            method: POST
            url: '\${{ inputs.base }}/hook'
            body: {ok: '\${{ steps.status.output.body.ok }}', version: 'v\${{ steps.status.output.body.version }}'}
            expectStatus: 201
  - id: read
    memory: {action: get, namespace: workflows/test/, key: head}
  - id: each
    loop:
      over: inputs.items
      as: letter
      max: 10
      steps:
        - id: shout
          shell: {command: echo, args: ['\${{ loop.index }}:\${{ loop.letter }}']}
  - id: count
    loop:
      while: '!steps.bump.output || steps.bump.output.version < 3'
      max: 10
      steps:
        - id: bump
          memory: {action: set, namespace: workflows/test/, key: counter, value: '\${{ loop.index }}'}
  - id: decide
    condition:
      if: steps.status.output.body.ok == true && steps.read.output.value.who == inputs.who
      then:
        - id: yes
          shell: {command: echo, args: [took then]}
      else:
        - id: no
          shell: {command: echo, args: [took else]}
  - id: think
    ai: {prompt: 'Summarise \${{ steps.head.output.text }}'}
  - id: sub
    child: {type: custom, input: {name: greet, inputs: {who: '\${{ inputs.who }}'}}}
  - id: check
    child: {type: systemCheck}
outputs:
  head: \${{ steps.head.output.text }}
  greeting: \${{ steps.greet.output.text }}
  lastShout: \${{ steps.shout.output.text }}
  loops: \${{ steps.each.output.iterations }}
  counter: \${{ steps.bump.output.version }}
  branch: \${{ steps.decide.output.branch }}
  said: \${{ steps.yes.output.text }}
  ai: \${{ steps.think.output.reason }}
  child: \${{ steps.sub.output.outputs.greeting }}
  posted: \${{ steps.post.output.body.received }}
`;

test('a definition with every local step kind runs end to end (no AI configured: the ai step is skipped)', async () => {
  write('greet', GREET);
  const hash = write('main', MAIN);
  const handle = await start(app, 'main', { who: 'ann', base });
  const result = (await handle.result()) as CustomResult;
  const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: repo }).toString().trim();

  expect(result.hash).toBe(hash);
  expect(result.file).toBe(path.join('.claude-flow', 'workflows', 'main.yaml'));
  expect(result.outputs).toEqual({
    head,
    // argv form: the text is passed to echo as is, never to a shell.
    greeting: 'hello ann $(touch pwned)',
    lastShout: '2:c',
    loops: 3,
    counter: 3,
    branch: 'then',
    said: 'took then',
    ai: expect.stringMatching(/^No AI provider is configured/),
    child: 'hi ann from greet',
    posted: { ok: true, version: 'v1.2.3' },
  });
  expect(fs.existsSync(path.join(repo, 'pwned'))).toBe(false);
  expect(result.steps.think).toMatchObject({ status: 'skipped', reason: expect.stringMatching(/No AI provider/) });
  expect(result.steps.no).toBeUndefined();

  // The POST went once, carrying the run's idempotency key for that step.
  const posts = seen.filter((s) => s.method === 'POST' && s.url === '/hook');
  expect(posts).toHaveLength(1);
  expect(posts[0].headers['idempotency-key']).toBe(`${handle.workflowId}/post`);
  expect(posts[0].headers['content-type']).toBe('application/json');

  // Memory written by the run, attributed to it; the definition is pinned under its hash.
  const rows = await app.pool.query<{ key: string }>(
    `SELECT key FROM memory_entry WHERE namespace = 'workflows/test/' ORDER BY key`,
  );
  expect(rows.rows.map((r) => r.key)).toEqual(['counter', 'head']);
  const pinned = await app.pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM memory_entry WHERE namespace = 'workflows/definitions/' AND key = $1`,
    [hash],
  );
  expect(pinned.rows[0].n).toBe(1);

  // One progress step per definition step id, all finished; the branch not taken is skipped.
  const progress = await handle.query(progressQuery);
  const byName = Object.fromEntries(progress.steps.map((s) => [s.name, s.status]));
  expect(byName).toMatchObject({
    load: 'done',
    head: 'done',
    fan: 'done',
    think: 'skipped',
    yes: 'done',
    no: 'skipped',
    sub: 'done',
  });
  expect(progress.steps.some((s) => s.status === 'pending' || s.status === 'running')).toBe(false);
  expect(progress.steps.find((s) => s.name === 'no')?.detail).toBe('else branch of decide not taken');
  // Each step's output, as JSON, for the run and designer views.
  expect(JSON.parse(progress.steps.find((s) => s.name === 'yes')?.output ?? '{}')).toMatchObject({
    exitCode: 0,
    text: 'took then',
  });
  expect(progress.steps.find((s) => s.name === 'decide')?.output).toBeUndefined();

  // The child ran as its own workflow, with an id derived from the parent's and the step.
  const child = app.client.workflow.getHandle(`${handle.workflowId}/sub`);
  expect(((await child.result()) as CustomResult).outputs.greeting).toBe('hi ann from greet');
});

test('a broken file fails the run at once, naming file, line and field; so do bad inputs and failing steps', async () => {
  write('broken', 'steps:\n  - id: a\n    shell: {command: rm, args: [-rf, x]}\n');
  const msg = await failureOf(start(app, 'broken').then((h) => h.result()));
  expect(msg).toBe(
    `${path.join('.claude-flow', 'workflows', 'broken.yaml')}:3:22 steps[0].shell.command: "rm" is not on the shell allowlist (git, npm, node, ls, cat, echo, grep); use one of those or add it to CLAUDE_FLOW_SHELL_ALLOWLIST`,
  );

  expect(await failureOf(start(app, 'greet', { whom: 1 }).then((h) => h.result()))).toBe(
    '2 problems:\ninputs.whom: workflow "greet" has no input "whom"; its inputs are: who\ninputs.who: required by workflow "greet"; give it',
  );
  expect(await failureOf(start(app, 'nothing-here').then((h) => h.result()))).toMatch(
    /no custom workflow "nothing-here".*defined: .*greet/,
  );

  write(
    'fails',
    `steps:\n  - id: bad\n    shell: {command: git, args: [no-such-subcommand]}\n  - id: after\n    http: {url: '${base}/missing'}\n`,
  );
  const fails = await start(app, 'fails');
  expect(await failureOf(fails.result())).toMatch(
    /^step bad \(shell\) failed: git no-such-subcommand exited with 1: .*not a git command/,
  );
  // The failed step keeps the output it failed with; the step after it never ran.
  const steps = (await fails.query(progressQuery)).steps;
  const bad = steps.find((s) => s.name === 'bad');
  expect(bad?.status).toBe('failed');
  expect(JSON.parse(bad?.output ?? '{}')).toMatchObject({
    exitCode: 1,
    stderr: expect.stringContaining('not a git command'),
  });
  expect(steps.find((s) => s.name === 'after')?.status).toBe('pending');
  write('404', `steps:\n  - id: get\n    http: {url: '${base}/missing', retries: 3}\n`);
  expect(await failureOf(start(app, '404').then((h) => h.result()))).toMatch(
    /^step get \(http\) failed: GET http:\/\/127\.0\.0\.1:\d+\/missing answered 404; expected 2xx: no such thing$/,
  );
  // A 404 is not retried, whatever retries says.
  expect(seen.filter((s) => s.url === '/missing')).toHaveLength(1);
});

test('a run keeps the definition it started with: rewriting the file mid-run changes nothing', async () => {
  const v1 = `
steps:
  - id: before
    shell: {command: echo, args: [v1 before]}
  - id: gate
    approval: {title: 'Ship v1?', timeout: 1h}
  - id: after
    shell: {command: echo, args: ['v1 after, \${{ steps.gate.output.decidedBy }}']}
outputs:
  version: v1
  after: \${{ steps.after.output.text }}
`;
  const h1 = write('pinned', v1);
  const handle = await start(app, 'pinned');
  let pending: { requestId: string; title: string } | undefined;
  for (let i = 0; i < 100 && !pending; i++) {
    pending = (await handle.query(progressQuery)).pendingApprovals[0];
    if (!pending) await new Promise((r) => setTimeout(r, 100));
  }
  expect(pending?.title).toBe('Ship v1?');

  // Rewrite the file completely (other steps, no approval), then approve the running v1.
  const h2 = write('pinned', 'steps:\n  - id: only\n    shell: {command: echo, args: [v2]}\noutputs:\n  version: v2\n');
  await handle.signal(approvalDecidedSignal, {
    requestId: pending?.requestId as string,
    outcome: 'approved',
    decidedBy: 'alice',
    decidedAt: new Date().toISOString(),
  });
  const r1 = (await handle.result()) as CustomResult;
  expect(r1).toMatchObject({ hash: h1, outputs: { version: 'v1', after: 'v1 after, alice' } });
  expect(Object.keys(r1.steps)).toEqual(['before', 'gate', 'after']);

  // A new run uses the new file; a run given the old hash runs the old version from memory, even
  // with the file gone.
  const r2 = (await (await start(app, 'pinned')).result()) as CustomResult;
  expect(r2).toMatchObject({ hash: h2, outputs: { version: 'v2' } });
  fs.rmSync(path.join(wfDir, 'pinned.yaml'));
  const again = await start(app, 'pinned', {}, { hash: h1 });
  for (let i = 0; i < 100; i++) {
    const p = (await again.query(progressQuery)).pendingApprovals[0];
    if (p) {
      await again.signal(approvalDecidedSignal, {
        requestId: p.requestId,
        outcome: 'rejected',
        decidedBy: 'bob',
        comment: 'not today',
        decidedAt: new Date().toISOString(),
      });
      break;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  expect(await failureOf(again.result())).toBe(
    'step gate (approval) failed: rejected by bob: not today (set onReject: continue to go on)',
  );
});

describe('with an AI provider and GitHub', () => {
  let openai: FakeOpenAIServer;
  let gh: FakeGithub;
  let aiApp: TestApp;
  beforeAll(async () => {
    openai = await startFakeOpenAI({ apiKey: 'sk-test', defaultReply: 'unused' });
    gh = await startFakeGithub({ token: /^ghp_/ });
    gh.addRepo('acme/widgets').issues.push({ id: 1, number: 7, title: 'Item 8', body: 'custom workflows', labels: [] });
    aiApp = await startTestApp({
      env: {
        CLAUDE_FLOW_WORKSPACE: repo,
        OPENAI_API_KEY: 'sk-test',
        OPENAI_BASE_URL: openai.url,
        GITHUB_TOKEN: 'ghp_custom_workflow_test',
        GITHUB_API_URL: gh.url,
      },
    });
  });
  afterAll(async () => {
    await aiApp?.close();
    await gh?.close();
    await openai?.close();
  });

  test('the ai step answers through the router and the github step posts once per step and iteration', async () => {
    openai.script({ reply: 'LGTM: ship it.' });
    write(
      'ask',
      `
inputs:
  issue: {type: number, required: true}
steps:
  - id: review
    ai: {prompt: 'Review issue \${{ inputs.issue }}', route: [openai], maxTokens: 50}
  - id: verdict
    condition:
      if: steps.review.output.text != null
      then:
        - id: notes
          loop:
            over: [first, second]
            max: 2
            steps:
              - id: comment
                github:
                  action: comment
                  repo: acme/widgets
                  issue: \${{ inputs.issue }}
                  body: '\${{ loop.item }}: \${{ steps.review.output.text }}'
outputs:
  text: \${{ steps.review.output.text }}
  provider: \${{ steps.review.output.provider }}
  url: \${{ steps.comment.output.url }}
`,
    );
    const handle = await start(aiApp, 'ask', { issue: 7 });
    const r = (await handle.result()) as CustomResult;
    expect(r.outputs).toMatchObject({
      text: 'LGTM: ship it.',
      provider: 'openai',
      url: expect.stringContaining('issues/7'),
    });
    const comments = gh.repo('acme/widgets').comments;
    expect(comments.map((c) => c.body.split('\n')[0])).toEqual(['first: LGTM: ship it.', 'second: LGTM: ship it.']);
    expect(comments[0].body).toContain(
      `<!-- claude-flow:${encodeURIComponent(handle.workflowId)}/${encodeURIComponent('custom/comment-0')} -->`,
    );
  });
});

test('through the API: definitions are listed with their problems, and a bad start is a 400 before any run', async () => {
  const http = () => createApp({ ...app, temporal: app.client });
  const api = '/api/claude-flow';
  write('broken', 'steps:\n  - id: a\n    shell: {command: rm, args: [-rf, x]}\n');
  const list = await request(http()).get(`${api}/workflows/types/custom/definitions`).expect(200);
  const byName = new Map((list.body.definitions as { name: string }[]).map((d) => [d.name, d]));
  expect(byName.get('greet')).toMatchObject({
    hash: expect.stringMatching(/^[0-9a-f]{64}$/),
    inputs: { who: expect.anything() },
  });
  expect(byName.get('broken')).toEqual({
    name: 'broken',
    problems: [
      expect.stringMatching(/broken\.yaml:3:22 steps\[0\]\.shell\.command: "rm" is not on the shell allowlist/),
    ],
  });

  const start = (input: object) => request(http()).post(`${api}/workflows`).send({ type: 'custom', input });
  expect((await start({ name: 'broken' }).expect(400)).body.detail).toMatch(
    /broken\.yaml:3:22 steps\[0\]\.shell\.command/,
  );
  expect((await start({ name: 'greet', inputs: { whom: 1 } }).expect(400)).body.detail).toMatch(
    /inputs\.whom: workflow "greet" has no input "whom"/,
  );
  expect((await start({ name: 'nothing-here' }).expect(400)).body.detail).toMatch(/no custom workflow "nothing-here"/);
  const ok = await start({ name: 'greet', inputs: { who: 'API' } }).expect(202);
  await app.client.workflow.getHandle(ok.body.workflowId).result();
});
