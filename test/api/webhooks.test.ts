// GitHub webhooks: signatures checked with @octokit/webhooks-methods, configured events start a
// workflow, and a redelivery (same X-GitHub-Delivery) starts nothing new.
import { createHmac, randomUUID } from 'node:crypto';
import request from 'supertest';
import { createApp } from '../../api/app';
import { type FakeGithub, startFakeGithub } from '../fakes/github';
import { startTestApp, type TestApp } from '../helpers/stack';

const SECRET = 'webhook-secret-123';
let app: TestApp;
let gh: FakeGithub;
const http = () => createApp({ ...app, temporal: app.client });
const sign = (body: string, secret = SECRET) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

beforeAll(async () => {
  gh = await startFakeGithub({ token: 'ghp_webhooks' });
  app = await startTestApp({
    env: {
      GITHUB_WEBHOOK_SECRET: SECRET,
      GITHUB_TOKEN: 'ghp_webhooks',
      GITHUB_API_URL: gh.url,
      // The specific action wins over the event.
      CLAUDE_FLOW_WEBHOOK_WORKFLOWS: JSON.stringify({
        'pull_request.opened': 'systemCheck',
        pull_request: 'codeReview',
      }),
    },
  });
});
afterAll(async () => {
  await app?.close();
  await gh?.close();
});

function deliver(body: string, headers: Record<string, string>) {
  let req = request(http()).post('/api/claude-flow/webhooks/github').set('Content-Type', 'application/json');
  for (const [k, v] of Object.entries(headers)) req = req.set(k, v);
  return req.send(body);
}

test('a signed pull_request.opened starts the configured workflow; a redelivery starts nothing new', async () => {
  const body = JSON.stringify({ action: 'opened', number: 7, repository: { full_name: 'acme/widgets' } });
  const delivery = randomUUID();
  const headers = {
    'X-GitHub-Delivery': delivery,
    'X-GitHub-Event': 'pull_request',
    'X-Hub-Signature-256': sign(body),
  };
  const first = await deliver(body, headers).expect(202);
  expect(first.body).toMatchObject({ delivery, workflowId: `github-${delivery}`, type: 'systemCheck' });
  await app.client.workflow.getHandle(`github-${delivery}`).result();

  const again = await deliver(body, headers).expect(200);
  expect(again.body).toMatchObject({ duplicate: true, workflowId: `github-${delivery}` });
  const rows = await app.prisma.webhookDelivery.findMany({ where: { id: delivery } });
  expect(rows).toHaveLength(1);
});

test('a pull_request.synchronize reviews the pull request; codeReview says which actions it skips', async () => {
  const repo = gh.addRepo('acme/hooks');
  repo.pulls.set(3, {
    number: 3,
    title: 'Add a helper',
    head: { ref: 'helper', sha: 'c'.repeat(40) },
    base: { ref: 'main', sha: 'd'.repeat(40) },
    files: [
      { filename: 'src/x.js', additions: 1, deletions: 0, patch: '@@ -0,0 +1 @@\n+module.exports = (s) => eval(s);' },
    ],
  });
  const body = JSON.stringify({ action: 'synchronize', number: 3, repository: { full_name: 'acme/hooks' } });
  const delivery = randomUUID();
  const res = await deliver(body, {
    'X-GitHub-Delivery': delivery,
    'X-GitHub-Event': 'pull_request',
    'X-Hub-Signature-256': sign(body),
  }).expect(202);
  expect(res.body).toMatchObject({ workflowId: `github-${delivery}`, type: 'codeReview' });
  await app.client.workflow.getHandle(`github-${delivery}`).result();
  const reviews = repo.reviews.get(3) ?? [];
  expect(reviews).toHaveLength(1);
  expect(reviews[0].body).toMatch(/1 high/);
  expect(reviews[0].comments).toEqual([expect.objectContaining({ path: 'src/x.js', line: 1 })]);

  const closed = JSON.stringify({ action: 'closed', number: 3, repository: { full_name: 'acme/hooks' } });
  const skipped = await deliver(closed, {
    'X-GitHub-Delivery': randomUUID(),
    'X-GitHub-Event': 'pull_request',
    'X-Hub-Signature-256': sign(closed),
  }).expect(202);
  expect(skipped.body).toMatchObject({ workflowId: null, reason: 'codeReview does not run for pull_request.closed' });
});

test('events without a configured workflow are acknowledged and say so', async () => {
  const body = JSON.stringify({ action: 'closed' });
  const res = await deliver(body, {
    'X-GitHub-Delivery': randomUUID(),
    'X-GitHub-Event': 'issues',
    'X-Hub-Signature-256': sign(body),
  }).expect(202);
  expect(res.body).toMatchObject({ workflowId: null, reason: 'no workflow is configured for issues.closed' });
});

test.each([
  ['a wrong secret', (b: string) => sign(b, 'not-the-secret'), 'does not match'],
  ['a tampered body', (b: string) => sign(`${b} `), 'does not match'],
  ['no signature', () => '', 'X-Hub-Signature-256 is missing'],
])('%s is a 401 and starts nothing', async (_name, signature, message) => {
  const body = JSON.stringify({ action: 'opened' });
  const delivery = randomUUID();
  const headers: Record<string, string> = { 'X-GitHub-Delivery': delivery, 'X-GitHub-Event': 'pull_request' };
  const sig = signature(body);
  if (sig) headers['X-Hub-Signature-256'] = sig;
  const res = await deliver(body, headers).expect(401);
  expect(res.body.detail).toContain(message);
  expect(await app.prisma.webhookDelivery.count({ where: { id: delivery } })).toBe(0);
});

test('a signed body that is not JSON is a 400', async () => {
  const body = 'not json';
  const res = await deliver(body, {
    'X-GitHub-Delivery': randomUUID(),
    'X-GitHub-Event': 'push',
    'X-Hub-Signature-256': sign(body),
  }).expect(400);
  expect(res.body.detail).toContain('not JSON');
});
