// The `claude-flow` CLI, built as users run it (node cli/bin.cjs), as a subprocess against a running
// API with a real worker, Temporal and PostgreSQL: every command group with --json parsed, the
// streamed reply seen in order, usage errors exiting 2 and an unreachable API exiting 1 with a hint.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createApp } from '../../api/app';
import { LiveHub } from '../../api/live/hub';
import { startFakeAnthropic } from '../fakes/anthropic';
import type { FakeServer } from '../fakes/http-fake';
import { startTestApp, type TestApp } from '../helpers/stack';

jest.setTimeout(90_000);

const KEY = 'cli-test-bootstrap-admin-key-0000001';
const BIN = path.join(__dirname, '..', '..', 'cli', 'bin.cjs');
let anthropic: FakeServer;
let app: TestApp;
let hub: LiveHub;
let server: http.Server;
let url: string;
let home: string;
let tmp: string;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cf-cli-'));
  home = path.join(tmp, 'home');
  fs.mkdirSync(home);
  anthropic = await startFakeAnthropic({ apiKey: 'k', defaultReply: 'Sure.' });
  app = await startTestApp({
    env: {
      CLAUDE_FLOW_API_KEY: KEY,
      ANTHROPIC_API_KEY: 'k',
      ANTHROPIC_BASE_URL: anthropic.url,
      ANTHROPIC_MODEL: 'claude-haiku-4-5',
    },
  });
  hub = new LiveHub(app.config.database.url, app.pool);
  server = http.createServer(createApp({ ...app, temporal: app.client, hub }));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
  await hub?.close();
  await app?.close();
  await anthropic?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
  /** Each stdout chunk with the time it arrived (ms since spawn). */
  chunks: { at: number; text: string }[];
}

function cli(args: string[], opts: { env?: Record<string, string | undefined>; input?: string } = {}): Promise<Ran> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: home,
    CLAUDE_FLOW_URL: url,
    CLAUDE_FLOW_API_KEY: KEY,
  };
  for (const [k, v] of Object.entries(opts.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const child = spawn(process.execPath, [BIN, ...args], { env, cwd: tmp });
    const ran: Ran = { code: -1, stdout: '', stderr: '', chunks: [] };
    child.stdout.on('data', (b: Buffer) => {
      ran.stdout += b.toString();
      ran.chunks.push({ at: Date.now() - t0, text: b.toString() });
    });
    child.stderr.on('data', (b: Buffer) => (ran.stderr += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (process.env.CLI_TIMING) process.stderr.write(`${Date.now() - t0} ms: ${args.join(' ').slice(0, 80)}\n`);
      resolve({ ...ran, code: code ?? -1 });
    });
    child.stdin.end(opts.input ?? '');
  });
}

/** Runs with --json, expects exit 0 and returns the parsed document. */
async function json<T = Record<string, unknown>>(args: string[], opts?: Parameters<typeof cli>[1]): Promise<T> {
  const r = await cli(['--json', ...args], opts);
  if (r.code !== 0) throw new Error(`claude-flow ${args.join(' ')} exited ${r.code}: ${r.stderr}${r.stdout}`);
  return JSON.parse(r.stdout) as T;
}

const jsonLines = (s: string) =>
  s
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

test('wrong usage exits 2 with a one-line reason; an unreachable API exits 1 with how to start it', async () => {
  const closed = http.createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
  const deadUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
  await new Promise((r) => closed.close(r));
  const [unknown, missing, badLimit, badPath, badInput, noProfile, noShell, bare, down, help] = await Promise.all([
    cli(['bogus']),
    cli(['session', 'start']),
    cli(['session', 'list', '--limit', '0']),
    cli(['memory', 'get', 'no-namespace']),
    cli(['workflow', 'run', 'systemCheck', '--input', '{not json']),
    cli(['--profile', 'nope', 'status']),
    cli(['completion', 'fish']),
    cli(['session']),
    cli(['status'], { env: { CLAUDE_FLOW_URL: deadUrl } }),
    cli(['--help']),
  ]);
  expect(unknown).toMatchObject({ code: 2 });
  expect(unknown.stderr).toContain("unknown command 'bogus'");
  expect(missing).toMatchObject({ code: 2 });
  expect(missing.stderr).toContain("missing required argument 'title'");
  expect(badLimit).toMatchObject({ code: 2 });
  expect(badLimit.stderr).toContain('--limit must be a whole number from 1 to 500');
  expect(badPath).toMatchObject({ code: 2 });
  expect(badPath.stderr).toContain('is not <namespace>/<key>');
  expect(badInput).toMatchObject({ code: 2 });
  expect(badInput.stderr).toContain('--input must be JSON');
  expect(noProfile).toMatchObject({ code: 2 });
  expect(noProfile.stderr).toContain('no profile "nope"');
  expect(noShell).toMatchObject({ code: 2 });
  expect(bare.code).toBe(2);
  expect(down.code).toBe(1);
  expect(down.stderr.trim()).toBe(
    `error: cannot reach the Claude Flow API at ${deadUrl}: start it with \`npm start\` (or set CLAUDE_FLOW_URL)`,
  );
  expect(help.code).toBe(0);
  expect(help.stdout).toContain('Usage: claude-flow');
  for (const r of [unknown, badLimit, badPath, badInput, noProfile, down]) {
    expect(r.stderr.trim().split('\n')[0]).toMatch(/^error: /);
  }
});

test('credentials: a wrong key is refused with what to do; a profile from ~/.claude-flow/config.json is used', async () => {
  const wrong = await cli(['session', 'list'], { env: { CLAUDE_FLOW_API_KEY: 'not-a-valid-key-at-all-000' } });
  expect(wrong.code).toBe(1);
  expect(wrong.stderr).toMatch(/^error: The API key is not valid/);
  fs.mkdirSync(path.join(home, '.claude-flow'), { recursive: true });
  fs.writeFileSync(
    path.join(home, '.claude-flow', 'config.json'),
    JSON.stringify({ profiles: { ci: { url, apiKey: KEY } } }),
  );
  const viaProfile = await json<{ ready: boolean; url: string }>(['--profile', 'ci', 'status'], {
    env: { CLAUDE_FLOW_URL: undefined, CLAUDE_FLOW_API_KEY: undefined },
  });
  expect(viaProfile).toMatchObject({ ready: true, url });
  fs.rmSync(path.join(home, '.claude-flow'), { recursive: true });
});

test('status: API, Postgres, migrations, Temporal and the worker, as a table or JSON', async () => {
  const [doc, human] = await Promise.all([
    json<Record<string, { ok: boolean; detail: string }> & { ready: boolean }>(['status']),
    cli(['status']),
  ]);
  expect(doc.ready).toBe(true);
  for (const c of ['api', 'postgres', 'migrations', 'temporal', 'worker']) expect(doc[c]).toMatchObject({ ok: true });
  expect(human.code).toBe(0);
  expect(human.stdout).toMatch(/^COMPONENT\s+STATE\s+DETAIL/);
  expect(human.stdout).toMatch(/worker\s+ok\s+1 worker polling /);
  expect(human.stdout).not.toContain('\x1b['); // no colour when stdout is not a TTY
});

test('session: start, send (streamed in order), show, checkpoints, rollback, fork, approvals, pause/resume, export/import, end', async () => {
  const started = await json<{ sessionId: string }>(['session', 'start', 'CLI session', '--owner', 'ada']);
  const id = started.sessionId;

  // The reply streams: deltas arrive over time, in order, and add up to the final reply.
  const reply = 'The release plan has three steps: freeze, test, and tag the build.';
  anthropic.script({ reply, chunkDelayMs: 60 });
  const streamed = await cli(['--json', 'session', 'send', id, 'Plan', 'the', 'release']);
  expect(streamed.code).toBe(0);
  const lines = jsonLines(streamed.stdout);
  const deltas = lines.filter((l) => l.event === 'delta');
  expect(deltas.length).toBeGreaterThan(2);
  expect(deltas.map((d) => d.seq)).toEqual(deltas.map((_, i) => i));
  expect(deltas.map((d) => d.text).join('')).toBe(reply);
  expect(lines.at(-1)).toMatchObject({ event: 'reply', reply, userMessageNo: 1, replyMessageNo: 2 });
  const firstDelta = streamed.chunks.find((c) => c.text.includes('"delta"'));
  const last = streamed.chunks.at(-1);
  expect(last!.at - firstDelta!.at).toBeGreaterThan(200); // printed as it arrived, not all at the end

  // Human output: the streamed text is exactly the reply.
  anthropic.script({ reply: 'Freeze on Monday.', chunkDelayMs: 30 });
  const human = await cli(['session', 'send', id, 'When?']);
  expect(human.code).toBe(0);
  expect(human.stdout).toBe('Freeze on Monday.\n');
  expect(human.stderr).toContain('anthropic/claude-haiku-4-5');

  const cp = await json<{ checkpointId: string; messageCount: number }>([
    'session',
    'checkpoint',
    id,
    '--label',
    'planned',
  ]);
  expect(cp.messageCount).toBe(4);
  await json(['session', 'send', id, '--no-stream', 'one more']);
  const [cps, shown] = await Promise.all([
    json<{ checkpoints: { checkpointId: string; label: string }[] }>(['session', 'checkpoints', id]),
    json<{ messageCount: number; messages: { content: string }[] }>(['session', 'show', id, '--messages']),
  ]);
  expect(cps.checkpoints).toEqual([expect.objectContaining({ checkpointId: cp.checkpointId, label: 'planned' })]);
  expect(shown.messageCount).toBe(6);
  expect(shown.messages.map((m) => m.content).slice(0, 2)).toEqual(['Plan the release', reply]);

  const rolled = await json<{ messageCount: number }>(['session', 'rollback', id, cp.checkpointId]);
  expect(rolled.messageCount).toBe(4);
  const forked = await json<{ sessionId: string }>(['session', 'fork', id, cp.checkpointId, '--title', 'Branch']);
  expect(forked.sessionId).not.toBe(id);

  // An approval asked through the API, decided through the CLI.
  const ask = await fetch(`${url}/api/claude-flow/sessions/${id}/approvals`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${KEY}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ title: 'Tag v1.0?' }),
  }).then((r) => r.json() as Promise<{ requestId: string }>);
  const pendingShown = await cli(['session', 'show', id]);
  expect(pendingShown.stdout).toContain('Tag v1.0?');
  const decided = await json(['session', 'reject', id, ask.requestId, '--comment', 'not yet']);
  expect(decided).toMatchObject({ outcome: 'rejected', comment: 'not yet' });

  await json(['session', 'pause', id, '--reason', 'lunch']);
  const refused = await cli(['session', 'send', id, 'hello?']);
  expect(refused.code).toBe(1);
  expect(refused.stderr.trim()).toBe('error: the session is paused: resume it before sending messages');
  await json(['session', 'resume', id]);

  const file = path.join(tmp, 'session.json');
  expect(await json(['session', 'export', id, '-o', file])).toEqual({ file, messages: 4 });
  const imported = await json<{ sessionId: string; messages: number }>(['session', 'import', file]);
  expect(imported.messages).toBe(4);

  await json(['session', 'end', id, '--reason', 'done']);
  const listed = await waitFor(async () => {
    const l = await json<{ sessions: { sessionId: string; status: string }[] }>(['session', 'list', '--owner', 'ada']);
    return l.sessions.find((s) => s.sessionId === id && s.status === 'ended') ? l : undefined;
  });
  expect(listed.sessions.map((s) => s.sessionId)).toEqual(expect.arrayContaining([id, forked.sessionId]));
});

test('memory: set, get, list, search, namespaces, export, delete, import', async () => {
  const set = await json([
    'memory',
    'set',
    'notes/release/plan',
    'freeze the branch on monday',
    '--tags',
    'release,plan',
  ]);
  expect(set).toMatchObject({ namespace: 'notes/release/', key: 'plan', version: 1 });
  await json(['memory', 'set', 'notes/release/owners', '--json-value'], { input: '{"lead":"ada","qa":["bo"]}' });
  const [got, gotHuman, list, hits, spaces] = await Promise.all([
    json(['memory', 'get', 'notes/release/owners']),
    cli(['memory', 'get', 'notes/release/plan']),
    json<{ entries: { key: string }[] }>(['memory', 'list', '--namespace', 'notes/']),
    json<{ hits: { key: string }[] }>(['memory', 'search', 'monday', 'freeze', '--namespace', 'notes/']),
    json<{ namespaces: { namespace: string; entries: number }[] }>(['memory', 'namespaces', 'notes/']),
  ]);
  expect(got).toMatchObject({ value: { lead: 'ada', qa: ['bo'] }, valueType: 'json' });
  expect(gotHuman.stdout).toBe('freeze the branch on monday\n');
  expect(list.entries.map((e) => e.key).sort()).toEqual(['owners', 'plan']);
  expect(hits.hits[0]).toMatchObject({ key: 'plan' });
  expect(spaces.namespaces).toEqual([expect.objectContaining({ namespace: 'notes/release/', entries: 2 })]);

  const file = path.join(tmp, 'memory.jsonl');
  expect(await json(['memory', 'export', '--namespace', 'notes/', '-o', file])).toEqual({ file, entries: 2 });
  await json(['memory', 'delete', 'notes/release/plan']);
  const gone = await cli(['memory', 'get', 'notes/release/plan']);
  expect(gone.code).toBe(1);
  expect(gone.stderr).toContain('no entry notes/release/plan');
  expect(await json(['memory', 'import', file])).toMatchObject({ imported: 1, unchanged: 1 });
  expect(await json(['memory', 'get', 'notes/release/plan'])).toMatchObject({ value: 'freeze the branch on monday' });
});

test('keys: create, list, revoke; the new key works until revoked', async () => {
  const created = await json<{ id: string; key: string; role: string }>(['keys', 'create', 'ci', '--role', 'viewer']);
  expect(created.role).toBe('viewer');
  const asViewer = await json<{ sessions: unknown[] }>(['session', 'list'], {
    env: { CLAUDE_FLOW_API_KEY: created.key },
  });
  expect(Array.isArray(asViewer.sessions)).toBe(true);
  const denied = await cli(['keys', 'list'], { env: { CLAUDE_FLOW_API_KEY: created.key } });
  expect(denied.code).toBe(1);
  const listed = await json<{ keys: { id: string; name: string }[] }>(['keys', 'list']);
  expect(listed.keys).toEqual(expect.arrayContaining([expect.objectContaining({ id: created.id, name: 'ci' })]));
  expect(await json(['keys', 'revoke', created.id])).toMatchObject({ id: created.id });
  const revoked = await cli(['session', 'list'], { env: { CLAUDE_FLOW_API_KEY: created.key } });
  expect(revoked.code).toBe(1);
  expect(revoked.stderr).toContain('was revoked');
});

test('workflow: types, run --watch (live events as JSON lines), status, list, cancel; schedule: create … delete', async () => {
  const types = await json<{ types: { type: string }[] }>(['workflow', 'types']);
  expect(types.types.map((t) => t.type)).toEqual(expect.arrayContaining(['systemCheck', 'aiTask']));
  // The app's workspace is this repository: its documented example definition checks out.
  const defs = await cli(['--json', 'workflow', 'definitions']);
  expect(defs.code).toBe(0);
  expect(JSON.parse(defs.stdout).definitions).toEqual(
    expect.arrayContaining([expect.objectContaining({ name: 'example', steps: expect.any(Number) })]),
  );

  // Progress of a development workflow, live: step events in order, then the final run.
  const repo = gitProject();
  const watched = await cli([
    '--json',
    'workflow',
    'run',
    'codeReview',
    '--input',
    JSON.stringify({ path: repo }),
    '--id',
    'cli-review-1',
    '--watch',
  ]);
  expect(watched.code).toBe(0);
  const events = jsonLines(watched.stdout);
  expect(events[0]).toMatchObject({ event: 'started', workflowId: 'cli-review-1', type: 'codeReview' });
  const progress = events
    .filter((e) => e.event === 'progress')
    .map((e) => e.data as { completed: number; total: number });
  expect(progress.length).toBeGreaterThan(1);
  expect(progress.map((p) => p.completed)).toEqual([...progress.map((p) => p.completed)].sort((a, b) => a - b));
  const final = events.at(-1) as { event: string; status: string; progress: { completed: number; total: number } };
  expect(final).toMatchObject({ event: 'run', workflowId: 'cli-review-1', status: 'completed' });
  expect(final.progress.completed).toBe(final.progress.total);
  // Without --json, a progress line per change goes to stderr (a bar that redraws on a TTY).
  const humanWatch = await cli(['workflow', 'watch', 'cli-review-1']);
  expect(humanWatch.stdout).toMatch(/status:\s+completed/);
  expect(humanWatch.stderr).toMatch(/\[#+\] \d+\/\d+/);

  const ran = await cli(['workflow', 'run', 'systemCheck', '--watch']);
  expect(ran.code).toBe(0);
  expect(ran.stdout).toMatch(/status:\s+completed/);
  const [status, list] = await Promise.all([
    json<{ status: string; progress: unknown }>(['workflow', 'status', 'cli-review-1']),
    json<{ runs: { workflowId: string; type: string }[] }>(['workflow', 'list', '--type', 'codeReview']),
  ]);
  expect(status).toMatchObject({ status: 'completed', progress: expect.objectContaining({ type: 'codeReview' }) });
  expect(list.runs.map((r) => r.workflowId)).toContain('cli-review-1');

  // A run that waits (the model hangs) is cancelled; watching it then exits 1.
  anthropic.script({ hang: true });
  const input = JSON.stringify({ messages: [{ role: 'user', content: 'Write a haiku' }] });
  await json(['workflow', 'run', 'aiTask', '--input', input, '--id', 'cli-ai-2']);
  expect(await json(['workflow', 'cancel', 'cli-ai-2'])).toMatchObject({ workflowId: 'cli-ai-2' });
  const cancelled = await cli(['workflow', 'watch', 'cli-ai-2']);
  expect(cancelled.code).toBe(1);
  expect(cancelled.stdout).toMatch(/status:\s+cancelled/);
  anthropic.script({ hang: true });
  await json(['workflow', 'run', 'aiTask', '--input', input, '--id', 'cli-ai-3']);
  expect(await json(['workflow', 'terminate', 'cli-ai-3', '--reason', 'stuck'])).toEqual({
    workflowId: 'cli-ai-3',
    status: 'terminated',
  });
  expect(await json(['workflow', 'status', 'cli-ai-3'])).toMatchObject({ status: 'terminated' });
  const badType = await cli(['workflow', 'run', 'noSuchType']);
  expect(badType.code).toBe(1);
  expect(badType.stderr).toMatch(/^error: .*noSuchType/);

  const created = await json([
    'schedule',
    'create',
    'cli-nightly',
    '--type',
    'systemCheck',
    '--every',
    '1h',
    '--paused',
  ]);
  expect(created).toMatchObject({ scheduleId: 'cli-nightly', type: 'systemCheck', every: '1h', paused: true });
  expect((await json<{ schedules: { scheduleId: string }[] }>(['schedule', 'list'])).schedules).toEqual(
    expect.arrayContaining([expect.objectContaining({ scheduleId: 'cli-nightly' })]),
  );
  expect(await json(['schedule', 'unpause', 'cli-nightly'])).toMatchObject({ paused: false });
  expect(await json(['schedule', 'pause', 'cli-nightly', '--note', 'quiet week'])).toMatchObject({
    paused: true,
    note: 'quiet week',
  });
  expect(await json(['schedule', 'trigger', 'cli-nightly'])).toMatchObject({ triggered: true });
  const start = new Date(Date.now() - 3 * 3600_000).toISOString();
  const end = new Date(Date.now() - 3600_000).toISOString();
  expect(await json(['schedule', 'backfill', 'cli-nightly', '--start', start, '--end', end])).toMatchObject({
    scheduleId: 'cli-nightly',
    backfill: { start, end },
  });
  const backwards = await cli(['schedule', 'backfill', 'cli-nightly', '--start', end, '--end', start]);
  expect(backwards.code).toBe(1);
  expect(backwards.stderr).toMatch(/start must be before end/);
  expect(await json(['schedule', 'delete', 'cli-nightly'])).toEqual({ scheduleId: 'cli-nightly', deleted: true });
  const both = await cli(['schedule', 'create', 'x', '--type', 'systemCheck']);
  expect(both.code).toBe(2);
});

test('analyze: code review and security audit of a local repository, a report file and a summary', async () => {
  const repo = gitProject();

  const report = path.join(tmp, 'report.json');
  const r = await cli(['--json', 'analyze', repo, '-o', report]);
  const doc = JSON.parse(r.stdout) as {
    report: string;
    findings: { rule: string; path?: string; line?: number }[];
    workflows: { type: string; status: string; error?: string; findings: unknown[] }[];
  };
  expect(doc.report).toBe(report);
  // Both workflows find the planted key (the review with our patterns, the audit with gitleaks); the
  // combined list has it once.
  const keys = doc.findings.filter((f) => /^(secret|gitleaks)\//.test(f.rule) && f.path === 'index.js' && f.line === 1);
  expect(keys).toHaveLength(1);
  const perWorkflow = doc.workflows.map(
    (w) =>
      (w.findings as { rule: string; path?: string; line?: number }[]).filter(
        (f) => /^(secret|gitleaks)\//.test(f.rule) && f.path === 'index.js' && f.line === 1,
      ).length,
  );
  expect(perWorkflow.every((n) => n >= 1)).toBe(true);
  expect(new Set(doc.findings.map((f) => `${f.rule}|${f.path}|${f.line}`)).size).toBe(doc.findings.length);
  expect(JSON.parse(fs.readFileSync(report, 'utf8'))).toEqual(doc);
  const catalog = await json<{ types: { type: string }[] }>(['workflow', 'types']);
  for (const w of doc.workflows) {
    if (catalog.types.some((t) => t.type === w.type)) expect(w.status).toBe('completed');
    else expect(w.error).toBe(`this API has no ${w.type} workflow`);
  }
  expect(doc.workflows.find((w) => w.type === 'codeReview')?.status).toBe('completed');
  expect(r.code).toBe(0);

  const md = await cli(['analyze', repo, '-o', path.join(tmp, 'report.md')]);
  expect(md.code).toBe(0);
  expect(md.stdout).toContain('codeReview: completed');
  expect(md.stdout).toMatch(/findings: \d+ critical/);
  expect(fs.readFileSync(path.join(tmp, 'report.md'), 'utf8')).toMatch(/^# Claude Flow analysis of /);
  const bad = await cli(['analyze', path.join(tmp, 'nowhere')]);
  expect(bad.code).toBe(2);
});

test('completion: a bash script from the command tree that completes commands and options', async () => {
  const script = await cli(['completion', 'bash']);
  expect(script.code).toBe(0);
  const file = path.join(tmp, 'completion.bash');
  fs.writeFileSync(file, script.stdout);
  const complete = (...words: string[]) =>
    execFileSync(
      'bash',
      [
        '-c',
        `source ${file}; COMP_WORDS=(claude-flow ${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length}; _claude_flow; echo "\${COMPREPLY[*]}"`,
      ],
      { encoding: 'utf8' },
    ).trim();
  expect(complete('se').split(' ')).toEqual(['session']);
  expect(complete('session', '').split(' ')).toEqual(expect.arrayContaining(['start', 'send', 'rollback', 'export']));
  expect(complete('workflow', 'run', '--')).toContain('--watch');
  expect(complete('--json', 'memory', 's').split(' ').sort()).toEqual(['search', 'set']);
  const zsh = await cli(['completion', 'zsh']);
  expect(zsh.stdout).toMatch(/^#compdef claude-flow/);
});

/** A git repository with two commits; the second adds a hard-coded key and an eval. */
function gitProject(): string {
  const repo = fs.mkdtempSync(path.join(tmp, 'project-'));
  const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, stdio: 'pipe' });
  git('init', '-q', '-b', 'main');
  git('config', 'user.email', 't@example.com');
  git('config', 'user.name', 'T');
  fs.writeFileSync(path.join(repo, 'index.js'), 'module.exports = (x) => x;\n');
  git('add', '.');
  git('commit', '-qm', 'first');
  fs.writeFileSync(
    path.join(repo, 'index.js'),
    // Not AWS's documented example key: gitleaks (the audit) rightly lets that one pass.
    `const key = "${['AK', 'IA', 'Z7Q2M4XWPTRK3LBQ'].join('')}";\nmodule.exports = (x) => eval(x);\n`,
  );
  git('commit', '-qam', 'second');
  return repo;
}

async function waitFor<T>(fn: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 200));
  }
}
