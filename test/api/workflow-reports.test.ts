// What the dashboard's Workflows view needs from the API, over a real worker and dev server: a
// code review of a git repository built here, its input and reports in GET /workflows/{id}, its
// reports downloaded (only from its reports directory: a report swapped for a symlink out of it, or
// one that is gone from this host, is a 404 that says so), the field a bad input names in the 400's
// `errors`, run starts and ends on the `workflows` live channel, and the Temporal Web UI address.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { createApp } from '../../api/app';
import { startTestApp, type TestApp } from '../helpers/stack';

jest.setTimeout(90_000);

let app: TestApp;
const http = () => createApp({ ...app, temporal: app.client });
const api = '/api/claude-flow';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cf-reports-'));

beforeAll(async () => {
  app = await startTestApp({ env: { TEMPORAL_UI_URL: 'http://temporal-ui.example:8080/' } });
});
afterAll(async () => {
  await app?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** A repository whose feature branch adds an eval (a finding of the review's own static checks). */
function fixtureRepo(): string {
  const repo = path.join(tmp, 'shop');
  const git = (...args: string[]) =>
    execFileSync('git', args, {
      cwd: repo,
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 't',
        GIT_AUTHOR_EMAIL: 't@t',
        GIT_COMMITTER_NAME: 't',
        GIT_COMMITTER_EMAIL: 't@t',
      },
    });
  fs.mkdirSync(path.join(repo, 'src'), { recursive: true });
  git('init', '-q', '-b', 'main');
  fs.writeFileSync(path.join(repo, 'src/app.js'), 'module.exports = (x) => x;\n');
  fs.writeFileSync(path.join(repo, '.gitignore'), '.claude-flow/reports/\n');
  git('add', '.');
  git('commit', '-q', '-m', 'first');
  git('checkout', '-q', '-b', 'feature');
  fs.writeFileSync(path.join(repo, 'src/app.js'), 'module.exports = (x) => eval(x);\n');
  git('commit', '-q', '-am', 'calc');
  return repo;
}

async function finished(workflowId: string): Promise<Record<string, unknown>> {
  const end = Date.now() + 60_000;
  for (;;) {
    const res = await request(http())
      .get(`${api}/workflows/${encodeURIComponent(workflowId)}`)
      .expect(200);
    if (res.body.status !== 'running') return res.body as Record<string, unknown>;
    if (Date.now() > end) throw new Error(`${workflowId} did not finish`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

test('the catalog says where the Temporal Web UI is', async () => {
  const res = await request(http()).get(`${api}/workflows/types`).expect(200);
  expect(res.body.temporalUi).toEqual({
    url: 'http://temporal-ui.example:8080',
    namespace: app.config.temporal.namespace,
  });
});

test('run ids with a slash (children of custom workflows) travel URL-encoded', async () => {
  const res = await request(http())
    .get(`${api}/workflows/${encodeURIComponent('custom-x/step-1')}`)
    .expect(404);
  expect(res.body.detail).toBe('No workflow run custom-x/step-1');
  await request(http())
    .get(`${api}/workflows/${encodeURIComponent('custom-x/step-1')}/reports/markdown`)
    .expect(404);
});

test('a bad input is a 400 whose errors name the field', async () => {
  const res = await request(http())
    .post(`${api}/workflows`)
    .send({ type: 'codeReview', input: { path: 'relative/dir' } })
    .expect(400);
  expect(res.body.errors).toEqual([
    { path: 'input.path', message: expect.stringContaining('path must be an absolute path') },
  ]);
  // A problem with the input as a whole names `input`.
  const both = await request(http()).post(`${api}/workflows`).send({ type: 'codeReview', input: {} }).expect(400);
  expect(both.body.errors).toEqual([{ path: 'input', message: expect.stringContaining('give {repo, pullRequest}') }]);
  // A custom workflow that does not exist: the type's own check, still machine-readable.
  const custom = await request(http())
    .post(`${api}/workflows`)
    .send({ type: 'custom', input: { name: 'no-such-definition' } })
    .expect(400);
  expect(custom.body.errors).toEqual([expect.objectContaining({ path: expect.stringMatching(/^input/) })]);
});

test('a code review: input and reports in its description, reports downloaded only from its reports directory, live start and end', async () => {
  const repo = fixtureRepo();
  const started = await request(http())
    .post(`${api}/workflows`)
    .send({ type: 'codeReview', input: { path: repo } })
    .expect(202);
  const id = started.body.workflowId as string;
  const run = await finished(id);
  expect(run).toMatchObject({ status: 'completed', input: { path: repo } });
  const reportsDir = path.join(fs.realpathSync(repo), '.claude-flow', 'reports');
  expect(run.reports).toEqual({
    markdown: path.join(repo, '.claude-flow', 'reports', `review-${id}.md`),
    json: path.join(repo, '.claude-flow', 'reports', `review-${id}.json`),
  });

  const md = await request(http()).get(`${api}/workflows/${id}/reports/markdown`).expect(200);
  expect(md.headers['content-type']).toBe('text/markdown; charset=utf-8');
  expect(md.headers['content-disposition']).toBe(`attachment; filename=review-${id}.md`);
  expect(md.text).toContain('risky/eval');
  const json = await request(http()).get(`${api}/workflows/${id}/reports/json`).expect(200);
  expect(json.headers['content-type']).toMatch(/^application\/json/);
  expect(JSON.parse(json.text ?? JSON.stringify(json.body)).findings.length).toBeGreaterThan(0);

  const none = await request(http()).get(`${api}/workflows/${id}/reports/sarif`).expect(404);
  expect(none.body.detail).toBe(`${id} has no sarif report; it has: markdown, json`);
  const kind = await request(http()).get(`${api}/workflows/${id}/reports/passwd`).expect(400);
  expect(kind.body.errors[0].message).toMatch(/markdown/);

  // The report replaced by a symlink to a file outside the reports directory: not served.
  const outside = path.join(tmp, 'outside.txt');
  fs.writeFileSync(outside, 'not a report');
  const mdFile = path.join(reportsDir, `review-${id}.md`);
  fs.rmSync(mdFile);
  fs.symlinkSync(outside, mdFile);
  const refused = await request(http()).get(`${api}/workflows/${id}/reports/markdown`).expect(404);
  expect(refused.body.detail).toMatch(/outside the run's reports directory/);
  expect(refused.text).not.toContain('not a report');
  // Gone from this host (as on an API whose worker runs elsewhere).
  fs.rmSync(path.join(reportsDir, `review-${id}.json`));
  const gone = await request(http()).get(`${api}/workflows/${id}/reports/json`).expect(404);
  expect(gone.body.detail).toMatch(/is not on this host/);

  // The `workflows` channel heard the start (from the API and the first step) and the end.
  const events = await app.pool.query<{ type: string; data: { workflowId: string; type: string } }>(
    `SELECT type, data FROM live_event WHERE channel = 'workflows' AND data->>'workflowId' = $1 ORDER BY id`,
    [id],
  );
  const types = events.rows.map((e) => e.type);
  expect(types[0]).toBe('started');
  expect(types.at(-1)).toBe('completed');
  expect(events.rows.every((e) => e.data.type === 'codeReview')).toBe(true);
});

test('a security audit: its SARIF and Markdown reports, from its own reportDir', async () => {
  const repo = path.join(tmp, 'shop'); // built by the code review test
  const reportDir = path.join(tmp, 'audit-reports');
  const started = await request(http())
    .post(`${api}/workflows`)
    .send({ type: 'securityAudit', input: { path: repo, npmAudit: false, triage: false, reportDir } })
    .expect(202);
  const id = started.body.workflowId as string;
  const run = await finished(id);
  expect(run).toMatchObject({ status: 'completed', reports: { sarif: expect.stringContaining(reportDir) } });
  const sarif = await request(http()).get(`${api}/workflows/${id}/reports/sarif`).buffer(true).expect(200);
  expect(sarif.headers['content-type']).toBe('application/sarif+json');
  expect(sarif.headers['content-disposition']).toMatch(/^attachment; filename="?security-audit-.*\.sarif"?$/);
  const doc = JSON.parse(sarif.text ?? sarif.body.toString());
  expect(doc.version).toBe('2.1.0');
  // Semgrep's rule, or our own pattern where Semgrep could not be installed.
  expect(JSON.stringify(doc)).toMatch(/"(js-eval|risky\/eval)"/);
  await request(http())
    .get(`${api}/workflows/${id}/reports/markdown`)
    .expect(200)
    .expect('content-type', /markdown/);
});

test('a terminated run announces its end on both channels', async () => {
  const repo = path.join(tmp, 'deploy');
  fs.mkdirSync(repo);
  execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: repo });
  execFileSync(
    'git',
    ['-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-q', '--allow-empty', '-m', 'feat: one'],
    {
      cwd: repo,
    },
  );
  const started = await request(http())
    .post(`${api}/workflows`)
    .send({ type: 'deployPrep', input: { path: repo, aiNotes: false } })
    .expect(202);
  const id = started.body.workflowId as string;
  await request(http()).post(`${api}/workflows/${id}/terminate`).send({ reason: 'wrong branch' }).expect(202);
  const ends = await app.pool.query<{ channel: string; type: string; data: Record<string, unknown> }>(
    `SELECT channel, type, data FROM live_event WHERE type = 'terminated' AND (channel = $1 OR data->>'workflowId' = $2)`,
    [`workflow:${id}`, id],
  );
  expect(ends.rows.map((e) => [e.channel, e.data])).toEqual(
    expect.arrayContaining([
      [`workflow:${id}`, { type: 'deployPrep', message: 'wrong branch' }],
      ['workflows', { workflowId: id, type: 'deployPrep' }],
    ]),
  );
  expect(await finished(id)).toMatchObject({ status: 'terminated' });
});
