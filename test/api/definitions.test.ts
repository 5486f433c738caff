// The workflow definitions API over real files, real PostgreSQL, the real dev server and worker, and
// two real API servers (each with its watcher) on one workspace: validation with positions from the
// one checker a run uses, create/read/save/rename/delete with hashes (409 with the current text),
// names that cannot leave the directory, atomic writes, changes on disk seen live and kept as
// versions once, versions and restore, templates, roles, and a definition's runs with their hash.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { startApi, type ApiServer } from '../../api/server';
import { DefinitionError, parseDefinition, validateOptions } from '../../lib/custom-workflows';
import { DefinitionStore, type DefinitionEvent } from '../../lib/custom-workflows/store';
import { TEMPLATES_DIR } from '../../lib/custom-workflows/templates';
import { DefinitionWatcher } from '../../lib/custom-workflows/watcher';
import { WORKFLOW_TYPES } from '../../lib/workflow-types';
import { startTestApp, type TestApp } from '../helpers/stack';

jest.setTimeout(120_000);

const BOOTSTRAP = 'bootstrap-admin-key-for-definitions-0123456789';
const D = '/api/claude-flow/workflows/definitions';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cf-definitions-'));
const workspace = path.join(tmp, 'repo');
const dir = path.join(workspace, '.claude-flow', 'workflows');
const sha = (t: string) => createHash('sha256').update(t).digest('hex');
const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });

let app: TestApp;
let one: ApiServer;
let two: ApiServer;
const keys: Record<'viewer' | 'operator', string> = { viewer: '', operator: '' };
const as = (role: 'viewer' | 'operator', server = one) => ({ server, headers: bearer(keys[role]) });

function http(role: 'viewer' | 'operator' = 'operator', server = one) {
  const { headers } = as(role, server);
  const r = request(server.url);
  return {
    get: (p: string) => r.get(p).set(headers),
    post: (p: string, body?: object) => r.post(p).set(headers).send(body),
    put: (p: string, body: object) => r.put(p).set(headers).send(body),
    delete: (p: string) => r.delete(p).set(headers),
  };
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function events(hash: string): Promise<{ type: string; data: Record<string, unknown> }[]> {
  const r = await app.pool.query(
    `SELECT type, data FROM live_event WHERE channel = 'definitions' AND data->>'hash' = $1 ORDER BY id`,
    [hash],
  );
  return r.rows;
}

const HELLO = `# a comment that must stay
name: hello
steps:
  - id: greet
    shell: { command: echo, args: [hello] }
  - id: again
    shell: { command: echo, args: ['\${{ steps.greet.output.text }}'] }
`;

beforeAll(async () => {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'existing.yaml'), HELLO.replace('name: hello', 'name: existing'));
  app = await startTestApp({
    env: {
      CLAUDE_FLOW_WORKSPACE: workspace,
      CLAUDE_FLOW_API_KEY: BOOTSTRAP,
      CLAUDE_FLOW_RATE_LIMIT_PER_IP: '0',
      CLAUDE_FLOW_RATE_LIMIT_PER_KEY: '0',
    },
  });
  const config = { ...app.config, api: { ...app.config.api, host: '127.0.0.1', port: 0 } };
  // Two API copies on one workspace and one database, each watching the directory.
  one = await startApi({ ...app, config, temporal: app.client });
  two = await startApi({ ...app, config, temporal: app.client });
  for (const role of ['viewer', 'operator'] as const) {
    const res = await request(one.url).post('/api/claude-flow/keys').set(bearer(BOOTSTRAP)).send({ name: role, role });
    expect(res.status).toBe(201);
    keys[role] = res.body.key;
  }
});
afterAll(async () => {
  await one?.close();
  await two?.close();
  await app?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('validate', () => {
  const options = () =>
    validateOptions(
      app.config,
      WORKFLOW_TYPES.map((d) => d.type),
    );
  /** What a run refuses: the loader's messages (file:LINE:COL path: message). */
  const runRefuses = (text: string) => {
    try {
      parseDefinition(text, 'x.yaml', 'x', options());
      return [];
    } catch (err) {
      if (!(err instanceof DefinitionError)) throw err;
      return err.problems;
    }
  };

  test('a YAML syntax error at its line and column', async () => {
    const text = 'steps:\n  - id: a\n    shell: { command: echo, args: [x }\n';
    const res = await http('viewer').post(`${D}/validate`, { text }).expect(200);
    expect(res.body.valid).toBe(false);
    expect(res.body.problems[0]).toMatchObject({ source: 'yaml', severity: 'error', line: 3 });
    expect(res.body.problems[0].col).toBeGreaterThan(1);
    expect(res.body.outline).toBeUndefined();
    // The same problems a run would refuse, at the same places.
    expect(runRefuses(text)).toEqual(
      res.body.problems.map(
        (p: { line: number; col: number; message: string }) => `x.yaml:${p.line}:${p.col} (YAML): ${p.message}`,
      ),
    );
  });

  test('a bad reference and a bad command at their line, column and field, with the fix', async () => {
    const text = [
      'steps:',
      '  - id: first',
      '    shell: { command: echo, args: [one] }',
      '  - id: second',
      '    http:',
      "      url: 'http://x/${{ steps.frist.output.text }}'",
      '  - id: third',
      '    shell: { command: rm, args: [-rf, x] }',
      '',
    ].join('\n');
    const res = await http('viewer').post(`${D}/validate`, { text, name: 'x' }).expect(200);
    expect(res.body).toMatchObject({ valid: false, errors: 2 });
    const [ref, cmd] = res.body.problems;
    expect(ref).toMatchObject({
      line: 6,
      col: 12,
      path: 'steps[1].http.url',
      segments: ['steps', 1, 'http', 'url'],
      severity: 'error',
      source: 'schema',
    });
    expect(ref.message).toMatch(/unknown step id "frist"; step ids are: first, second, third/);
    expect(cmd).toMatchObject({ line: 8, col: 23, path: 'steps[2].shell.command' });
    expect(cmd.message).toMatch(/"rm" is not on the shell allowlist .*add it to CLAUDE_FLOW_SHELL_ALLOWLIST/);
    expect(runRefuses(text)).toEqual(
      res.body.problems.map(
        (p: { line: number; col: number; path: string; message: string }) =>
          `x.yaml:${p.line}:${p.col} ${p.path}: ${p.message}`,
      ),
    );
    // The outline draws the graph of the draft anyway: the reference at its exact place.
    expect(res.body.outline.steps.map((s: { id: string; kind: string }) => `${s.id}:${s.kind}`)).toEqual([
      'first:shell',
      'second:http',
      'third:shell',
    ]);
    expect(res.body.outline.refs).toEqual([
      expect.objectContaining({ from: 'second', to: 'frist', path: 'steps[1].http.url', line: 6, col: 26, endCol: 37 }),
    ]);
  });

  test('a clean file: valid, no problems, an outline with nesting and references', async () => {
    const example = fs.readFileSync(path.join(__dirname, '../../.claude-flow/workflows/example.yaml'), 'utf8');
    const res = await http('viewer').post(`${D}/validate`, { text: example }).expect(200);
    expect(res.body).toMatchObject({ valid: true, errors: 0, problems: [] });
    const look = res.body.outline.steps.find((s: { id: string }) => s.id === 'look');
    expect(look).toMatchObject({ kind: 'parallel', groups: [{ label: 'steps' }] });
    expect(look.groups[0].steps.map((s: { id: string }) => s.id)).toEqual(['branch', 'listing']);
    const health = res.body.outline.steps.find((s: { id: string }) => s.id === 'health');
    expect(health.groups.map((g: { label: string }) => g.label)).toEqual(['then', 'else']);
    expect(res.body.outline.refs).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ from: 'remember', to: 'head' }),
        expect.objectContaining({ to: 'summary', path: 'outputs.summary' }),
      ]),
    );
  });

  test('bad requests say what to fix', async () => {
    const missing = await http('viewer').post(`${D}/validate`, {}).expect(400);
    expect(missing.body.detail).toMatch(/text/);
    const big = await http('viewer')
      .post(`${D}/validate`, { text: `# ${'x'.repeat(300_000)}\n` })
      .expect(413);
    expect(big.body.detail).toMatch(/at most 262144 bytes/);
    // A "billion laughs" document is a problem, not a 500 (and not a hung API).
    const x = '[x,x,x,x,x,x,x,x,x,x]';
    const aliases = `a: &a ${x}\nb: &b ${x.replace(/x/g, '*a')}\nc: &c ${x.replace(/x/g, '*b')}\nd: ${x.replace(/x/g, '*c')}\nsteps: []\n`;
    const bomb = await http('viewer').post(`${D}/validate`, { text: aliases }).expect(200);
    expect(bomb.body).toMatchObject({ valid: false, problems: [{ source: 'yaml', line: 1, col: 1 }] });
    expect(bomb.body.problems[0].message).toMatch(/use fewer aliases/);
  });
});

describe('files', () => {
  test('create, read, list, save with the hash, a stale save is a 409 with the current text, rename, delete', async () => {
    const made = await http().post(D, { name: 'hello', text: HELLO }).expect(201);
    expect(made.body).toMatchObject({ name: 'hello', hash: sha(HELLO), valid: true, problems: [] });
    expect(fs.readFileSync(path.join(dir, 'hello.yaml'), 'utf8')).toBe(HELLO);
    await http().post(D, { name: 'hello', text: HELLO }).expect(409);

    const read = await http('viewer').get(`${D}/hello`).expect(200);
    expect(read.body).toMatchObject({ text: HELLO, hash: sha(HELLO), file: '.claude-flow/workflows/hello.yaml' });
    const list = await http('viewer').get(D).expect(200);
    expect(list.body.definitions).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'hello', hash: sha(HELLO), steps: 2, problems: 0 }),
        expect.objectContaining({ name: 'existing', steps: 2, problems: 0 }),
      ]),
    );

    const v2 = HELLO.replace('args: [hello]', 'args: [hello, world]');
    const saved = await http()
      .put(`${D}/hello`, { text: v2, baseHash: sha(HELLO) })
      .expect(200);
    expect(saved.body).toMatchObject({ hash: sha(v2), valid: true });
    expect(fs.readFileSync(path.join(dir, 'hello.yaml'), 'utf8')).toBe(v2);

    // Another tab still has the first text: its save is refused with what is there now.
    const stale = await http()
      .put(`${D}/hello`, { text: HELLO.replace('hello]', 'bye]'), baseHash: sha(HELLO) })
      .expect(409);
    expect(stale.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(stale.body.current).toMatchObject({ text: v2, hash: sha(v2) });
    expect(stale.body.detail).toMatch(/changed since it was read.*save again with current.hash/);

    // A draft with problems is saved, answered with them; a run refuses it.
    const draft = v2.replace('steps.greet', 'steps.nope');
    const d = await http()
      .put(`${D}/hello`, { text: draft, baseHash: sha(v2) })
      .expect(200);
    expect(d.body.valid).toBe(false);
    expect(d.body.problems[0]).toMatchObject({ line: 7, path: 'steps[1].shell.args[0]' });
    const run = await http()
      .post('/api/claude-flow/workflows', { type: 'custom', input: { name: 'hello' } })
      .expect(400);
    expect(run.body.detail).toMatch(/hello.yaml:7:\d+ steps\[1\]\.shell\.args\[0\]: refers to unknown step id "nope"/);

    const renamed = await http()
      .post(`${D}/hello/rename`, { to: 'greeting', baseHash: sha(draft) })
      .expect(200);
    expect(renamed.body).toMatchObject({ name: 'greeting', hash: sha(draft) });
    expect(fs.existsSync(path.join(dir, 'hello.yaml'))).toBe(false);
    expect(fs.readFileSync(path.join(dir, 'greeting.yaml'), 'utf8')).toBe(draft);
    await http('viewer').get(`${D}/hello`).expect(404);
    await http()
      .post(`${D}/greeting/rename`, { to: 'existing', baseHash: sha(draft) })
      .expect(409);
    // Its versions went along.
    const versions = await http('viewer').get(`${D}/greeting/versions`).expect(200);
    expect(versions.body.versions.map((v: { action: string }) => v.action)).toEqual([
      'renamed',
      'saved',
      'saved',
      'created',
    ]);

    await http()
      .delete(`${D}/greeting?baseHash=${sha(HELLO)}`)
      .expect(409);
    const gone = await http()
      .delete(`${D}/greeting?baseHash=${sha(draft)}`)
      .expect(200);
    expect(gone.body).toMatchObject({ name: 'greeting', hash: sha(draft) });
    expect(fs.existsSync(path.join(dir, 'greeting.yaml'))).toBe(false);
    await http()
      .delete(`${D}/greeting?baseHash=${sha(draft)}`)
      .expect(404);
    await http()
      .put(`${D}/greeting`, { text: HELLO, baseHash: sha(draft) })
      .expect(404);
  });

  test('names never reach outside the definitions directory', async () => {
    fs.writeFileSync(path.join(tmp, 'secret.yaml'), 'steps: []\n');
    fs.symlinkSync(path.join(tmp, 'secret.yaml'), path.join(dir, 'out.yaml'));
    for (const p of ['..%2F..%2Fsecret', '..', '%2Fetc%2Fpasswd', 'a%00b', '.hidden', 'out']) {
      const res = await http('viewer').get(`${D}/${p}`);
      expect([400, 404]).toContain(res.status);
      expect(res.status).not.toBe(200);
    }
    const out = await http('viewer').get(`${D}/out`).expect(400);
    expect(out.body.detail).toMatch(/symbolic link out of \.claude-flow\/workflows/);
    const list = await http('viewer').get(D).expect(200);
    expect(list.body.definitions.map((d: { name: string }) => d.name)).not.toContain('out');
    for (const name of ['../x', '/etc/passwd', 'a/b', 'x\u0000y', '..', '']) {
      const res = await http().post(D, { name, text: HELLO }).expect(400);
      // (A NUL is refused before the route, by the input policy, as everywhere.)
      expect(res.body.detail).toMatch(/not a workflow name: use the file name without .yaml|NUL character/);
    }
    const t = fs.readFileSync(path.join(dir, 'existing.yaml'), 'utf8');
    await http()
      .post(`${D}/existing/rename`, { to: '../../escaped', baseHash: sha(t) })
      .expect(400);
    await http()
      .put(`${D}/out`, { text: HELLO, baseHash: sha('steps: []\n') })
      .expect(400);
    expect(fs.readFileSync(path.join(tmp, 'secret.yaml'), 'utf8')).toBe('steps: []\n');
    expect(fs.readdirSync(tmp).sort()).toEqual(['repo', 'secret.yaml']);
    fs.unlinkSync(path.join(dir, 'out.yaml'));
  });

  test('writes are atomic: a concurrent reader sees the old or the new text, never a part, and no temp file', async () => {
    const texts = Array.from(
      { length: 20 },
      (_, i) =>
        `name: atomic\n# version ${i}\n${'# padding\n'.repeat(2000)}steps:\n  - id: s${i}\n    shell: { command: echo }\n`,
    );
    await http().post(D, { name: 'atomic', text: texts[0] }).expect(201);
    const known = new Set(texts);
    let reading = true;
    const seen: string[] = [];
    const listings: string[][] = [];
    const reader = (async () => {
      while (reading) {
        seen.push(fs.readFileSync(path.join(dir, 'atomic.yaml'), 'utf8'));
        const l = await http('viewer').get(D);
        listings.push(l.body.definitions.map((d: { name: string }) => d.name));
        await new Promise((r) => setImmediate(r));
      }
    })();
    for (let i = 1; i < texts.length; i++) {
      await http()
        .put(`${D}/atomic`, { text: texts[i], baseHash: sha(texts[i - 1]) })
        .expect(200);
    }
    reading = false;
    await reader;
    expect(seen.length).toBeGreaterThan(5);
    for (const s of seen) expect(known.has(s)).toBe(true);
    for (const l of listings) for (const n of l) expect(n).toMatch(/^[A-Za-z0-9]/);
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});

describe('changes on disk, versions, live events', () => {
  test('a change made on disk is seen by the watchers: one version (author disk) and one live event', async () => {
    const text = HELLO.replace('name: hello', 'name: ondisk');
    fs.writeFileSync(path.join(dir, 'ondisk.yaml'), text);
    const created = await until('the created event', async () => {
      const e = await events(sha(text));
      return e.length ? e : undefined;
    });
    expect(created[0]).toMatchObject({
      type: 'definition.changed',
      data: { name: 'ondisk', hash: sha(text), change: 'created', author: 'disk' },
    });
    const edited = text.replace('args: [hello]', 'args: [edited on disk]');
    fs.writeFileSync(path.join(dir, 'ondisk.yaml'), edited);
    await until('the changed event', async () => ((await events(sha(edited))).length ? true : undefined));
    // Let both watchers (and their debounce) have their look.
    await new Promise((r) => setTimeout(r, 1500));
    expect(await events(sha(text))).toHaveLength(1);
    expect((await events(sha(edited))).map((e) => e.data.change)).toEqual(['changed']);
    const versions = await http('viewer').get(`${D}/ondisk/versions`).expect(200);
    expect(versions.body.versions).toEqual([
      expect.objectContaining({ hash: sha(edited), author: 'disk', action: 'disk' }),
      expect.objectContaining({ hash: sha(text), author: 'disk', action: 'disk' }),
    ]);

    // A save through the API is announced once, not again by the watchers that see the write.
    const mine = edited.replace('edited on disk', 'saved through the API');
    await http('operator', two)
      .put(`${D}/ondisk`, { text: mine, baseHash: sha(edited) })
      .expect(200);
    await new Promise((r) => setTimeout(r, 1500));
    expect((await events(sha(mine))).map((e) => [e.data.change, e.data.author])).toEqual([['changed', 'operator']]);

    // A rename on disk (mv) is one renamed event, and the versions go along.
    fs.renameSync(path.join(dir, 'ondisk.yaml'), path.join(dir, 'moved.yaml'));
    const moved = await until('the renamed event', async () => {
      const e = (await events(sha(mine))).filter((x) => x.data.change === 'renamed');
      return e.length ? e : undefined;
    });
    expect(moved[0].data).toMatchObject({ name: 'moved', from: 'ondisk', author: 'disk' });
    const movedVersions = await http('viewer').get(`${D}/moved/versions`).expect(200);
    expect(movedVersions.body.versions.map((v: { action: string }) => v.action)).toEqual([
      'renamed',
      'saved',
      'disk',
      'disk',
    ]);
    await new Promise((r) => setTimeout(r, 1000));
    expect((await events(sha(mine))).map((e) => e.data.change)).toEqual(['changed', 'renamed']);
    fs.renameSync(path.join(dir, 'moved.yaml'), path.join(dir, 'ondisk.yaml'));
    await until('the rename back', async () =>
      (await events(sha(mine))).filter((x) => x.data.change === 'renamed').length === 2 ? true : undefined,
    );

    fs.unlinkSync(path.join(dir, 'ondisk.yaml'));
    const deleted = await until('the deleted event', async () => {
      const e = (await events(sha(mine))).filter((x) => x.data.change === 'deleted');
      return e.length ? e : undefined;
    });
    expect(deleted[0].data).toMatchObject({ name: 'ondisk', author: 'disk' });
  });

  test('a watcher started before the directory exists sees it once it is made', async () => {
    const ws = path.join(tmp, 'later');
    const store = new DefinitionStore({
      workspaceDir: ws,
      pool: app.pool,
      options: () => validateOptions(app.config, ['custom']),
    });
    const seen: DefinitionEvent[] = [];
    const watcher = new DefinitionWatcher(store, { missingDirMs: 100, onChange: (e) => seen.push(e) });
    await watcher.start();
    try {
      fs.mkdirSync(path.join(ws, '.claude-flow', 'workflows'), { recursive: true });
      const text = HELLO.replace('name: hello', 'name: later');
      fs.writeFileSync(path.join(ws, '.claude-flow', 'workflows', 'later.yaml'), text);
      await until('the later file', async () => (seen.length ? true : undefined), 5000);
      expect(seen[0]).toMatchObject({ name: 'later', hash: sha(text), change: 'created', author: 'disk' });
    } finally {
      await watcher.close();
    }
  });

  test('versions: the texts of any two can be read (to diff them), and one restored', async () => {
    const a = HELLO.replace('name: hello', 'name: versioned');
    const b = a.replace('args: [hello]', 'args: [second]');
    await http().post(D, { name: 'versioned', text: a }).expect(201);
    await http()
      .put(`${D}/versioned`, { text: b, baseHash: sha(a) })
      .expect(200);
    const list = await http('viewer').get(`${D}/versioned/versions`).expect(200);
    const [newest, oldest] = list.body.versions;
    expect([newest.hash, oldest.hash]).toEqual([sha(b), sha(a)]);
    expect(newest.author).toBe('operator');
    const textOf = async (id: string) => (await http('viewer').get(`${D}/versioned/versions/${id}`).expect(200)).body;
    expect((await textOf(oldest.id)).text).toBe(a);
    expect((await textOf(newest.id)).text).toBe(b);
    const byHash = await http('viewer')
      .get(`${D}/versioned/versions?hash=${sha(a)}`)
      .expect(200);
    expect(byHash.body.versions.map((v: { id: string }) => v.id)).toEqual([oldest.id]);
    await http('viewer').get(`${D}/versioned/versions/999999999`).expect(404);
    await http('viewer').get(`${D}/versioned/versions/abc`).expect(400);
    // Another definition's version is not this one's.
    await http('viewer').get(`${D}/existing/versions/${oldest.id}`).expect(404);

    await http()
      .post(`${D}/versioned/versions/${oldest.id}/restore`, { baseHash: sha(a) })
      .expect(409);
    const restored = await http()
      .post(`${D}/versioned/versions/${oldest.id}/restore`, { baseHash: sha(b) })
      .expect(200);
    expect(restored.body.hash).toBe(sha(a));
    expect(fs.readFileSync(path.join(dir, 'versioned.yaml'), 'utf8')).toBe(a);
    const after = await http('viewer').get(`${D}/versioned/versions`).expect(200);
    expect(after.body.versions[0]).toMatchObject({ action: 'restored', hash: sha(a), author: 'operator' });

    // A deleted definition comes back from its versions.
    await http()
      .delete(`${D}/versioned?baseHash=${sha(a)}`)
      .expect(200);
    await http().post(`${D}/versioned/versions/${newest.id}/restore`, {}).expect(200);
    expect(fs.readFileSync(path.join(dir, 'versioned.yaml'), 'utf8')).toBe(b);
    const back = await http('viewer').get(`${D}/versioned/versions?limit=2`).expect(200);
    expect(back.body.versions.map((v: { action: string }) => v.action)).toEqual(['restored', 'deleted']);
  });
});

test('templates: every template and the example validate cleanly; a definition is made from one', async () => {
  const res = await http('viewer').get(`${D}/templates`).expect(200);
  const names = res.body.templates.map((t: { name: string }) => t.name);
  expect(names).toEqual(
    expect.arrayContaining(['review-pull-request', 'nightly-audit', 'parallel-health-check', 'loop-over-files']),
  );
  expect(names).toHaveLength(fs.readdirSync(TEMPLATES_DIR).filter((f) => f.endsWith('.yaml')).length);
  const example = fs.readFileSync(path.join(__dirname, '../../.claude-flow/workflows/example.yaml'), 'utf8');
  for (const t of [...res.body.templates, { name: 'example', text: example }]) {
    const v = await http('viewer').post(`${D}/validate`, { text: t.text, name: t.name }).expect(200);
    expect({ name: t.name, problems: v.body.problems }).toEqual({ name: t.name, problems: [] });
    expect(t.name === 'example' || t.description.length > 10).toBe(true);
  }
  const made = await http().post(D, { name: 'my-review', template: 'review-pull-request' }).expect(201);
  expect(made.body.valid).toBe(true);
  expect(made.body.text).toMatch(/^name: my-review$/m);
  await http().post(D, { name: 'x2', template: 'no-such-template' }).expect(404);
  await http().post(D, { name: 'x3', template: 'nightly-audit', text: HELLO }).expect(400);
});

test('roles: a viewer reads and validates but cannot write; the writes are in the audit trail', async () => {
  const t = fs.readFileSync(path.join(dir, 'existing.yaml'), 'utf8');
  await http('viewer').post(`${D}/validate`, { text: t }).expect(200);
  for (const res of [
    await http('viewer').put(`${D}/existing`, { text: t, baseHash: sha(t) }),
    await http('viewer').post(D, { name: 'nope', text: t }),
    await http('viewer').post(`${D}/existing/rename`, { to: 'nope', baseHash: sha(t) }),
    await http('viewer').delete(`${D}/existing?baseHash=${sha(t)}`),
  ]) {
    expect(res.status).toBe(403);
    expect(res.body.detail).toMatch(/needs the operator role/);
  }
  expect(fs.readFileSync(path.join(dir, 'existing.yaml'), 'utf8')).toBe(t);
  expect(fs.existsSync(path.join(dir, 'nope.yaml'))).toBe(false);
  const audit = await until('the audit rows', async () => {
    const r = await app.pool.query(`SELECT action FROM audit_log WHERE action LIKE '%workflows/definitions%'`);
    return r.rows.length ? r.rows.map((x) => x.action as string) : undefined;
  });
  expect(audit).toEqual(expect.arrayContaining([expect.stringMatching(/^PUT .*workflows\/definitions/)]));
});

test("a definition's runs, each with the hash it ran, which finds its version", async () => {
  const text = HELLO.replace('name: hello', 'name: runme');
  await http().post(D, { name: 'runme', text }).expect(201);
  const started = await http()
    .post('/api/claude-flow/workflows', { type: 'custom', input: { name: 'runme' } })
    .expect(202);
  const id = started.body.workflowId as string;
  await until('the run to finish', async () => {
    const r = await http('viewer').get(`/api/claude-flow/workflows/${id}`).expect(200);
    return r.body.status === 'running' ? undefined : r.body;
  });
  // Another definition's run is not listed.
  const other = await http()
    .post('/api/claude-flow/workflows', { type: 'custom', input: { name: 'existing' } })
    .expect(202);
  const runs = await until('the runs listed', async () => {
    const r = await http('viewer').get(`${D}/runme/runs`).expect(200);
    return r.body.runs.length ? r.body : undefined;
  });
  expect(runs.runs).toEqual([
    expect.objectContaining({ workflowId: id, type: 'custom', status: 'completed', hash: sha(text) }),
  ]);
  expect(runs.runs.map((r: { workflowId: string }) => r.workflowId)).not.toContain(other.body.workflowId);
  const v = await http('viewer').get(`${D}/runme/versions?hash=${runs.runs[0].hash}`).expect(200);
  expect(v.body.versions).toHaveLength(1);
  await http('viewer').get(`${D}/runme/runs?limit=0`).expect(400);
});
