// securityAudit end to end: a real git repository with planted secrets and risky code, the real
// `npm audit` against a wire-level npm registry fake (and against a registry that cannot be reached),
// AI triage through the real Anthropic SDK against its fake, and the issue through Octokit against
// the GitHub fake. The SARIF file is checked against the parts of SARIF 2.1.0 code scanning reads.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { SarifLog } from '../../activities/dev/security-audit/sarif';
import { securityAuditDef } from '../../lib/workflow-types/security-audit';
import { securityAudit } from '../../workflows';
import { startFakeAnthropic } from '../fakes/anthropic';
import { type FakeGithub, startFakeGithub } from '../fakes/github';
import { type FakeServer, type HttpFake, sendJson, startHttpFake } from '../fakes/http-fake';
import { startTestApp, type TestApp } from '../helpers/stack';

jest.setTimeout(60_000);

const AWS = ['AKIA', 'Z7Q2', 'M4XW', 'P9RT', 'K3LB'].join('');
const GH = ['gh', 'p_', 'R8f2Kx9QmZ4vT1bW7nY3cJ6hL0pS5dGaE2uV'].join('');
const RANDOM = ['q9Zr7Lk2', 'Vx8Bn4Tm', 'W1sPd6Hy', 'C3gFj0Ue'].join('');
const ALLOWED = ['AKIA', 'QQQQ', 'WWWW', 'EEEE', 'RRRR'].join('');

let anthropic: FakeServer;
let gh: FakeGithub;
let registry: HttpFake;
let app: TestApp;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cf-security-audit-'));

/** The two npm registry endpoints `npm audit` uses: the bulk advisory lookup and the packument. */
async function startFakeRegistry(): Promise<HttpFake> {
  const fake: HttpFake = await startHttpFake(async ({ res, method, pathname }) => {
    if (method === 'POST' && pathname === '/-/npm/v1/security/advisories/bulk') {
      return sendJson(res, 200, {
        lodash: [
          {
            id: 1,
            url: 'https://advisories.example.test/1',
            title: 'Command Injection in lodash',
            severity: 'high',
            vulnerable_versions: '<4.17.21',
            cwe: ['CWE-77'],
            cvss: { score: 7.2, vectorString: null },
          },
        ],
      });
    }
    if (method === 'GET' && pathname === '/lodash') {
      const v = (version: string) => ({
        name: 'lodash',
        version,
        dist: { tarball: `${fake.origin}/lodash/-/lodash-${version}.tgz` },
      });
      return sendJson(res, 200, {
        name: 'lodash',
        'dist-tags': { latest: '4.17.21' },
        versions: { '4.17.20': v('4.17.20'), '4.17.21': v('4.17.21') },
      });
    }
    sendJson(res, 404, { error: 'Not found' });
  });
  return fake;
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const { port } = srv.address() as net.AddressInfo;
  await new Promise((r) => srv.close(r));
  return port;
}

beforeAll(async () => {
  anthropic = await startFakeAnthropic({ apiKey: 'k' });
  gh = await startFakeGithub({ token: /^ghp_/ });
  gh.addRepo('acme/vault');
  registry = await startFakeRegistry();
  app = await startTestApp({
    env: {
      ANTHROPIC_API_KEY: 'k',
      ANTHROPIC_BASE_URL: anthropic.url,
      ANTHROPIC_MODEL: 'claude-haiku-4-5',
      GITHUB_TOKEN: 'ghp_audit',
      GITHUB_API_URL: gh.url,
    },
  });
});
afterAll(async () => {
  await app?.close();
  await registry?.close();
  await gh?.close();
  await anthropic?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const CONFIG_JS = `module.exports = {
  region: 'eu-west-1',
  awsKey: '${AWS}',
  githubToken: '${GH}',
  apiSecret: '${RANDOM}',
  fixtureKey: '${ALLOWED}',
  commit: '3f786850e387550fdab836ed7e6dc881de23001b',
};
`;

const SERVER_JS = `const { exec } = require('child_process');
const https = require('https');

function run(req) {
  return eval(req.body.code);
}

function logs(branch, cb) {
  exec(\`git log \${branch}\`, cb);
}

function user(db, id) {
  return db.query("SELECT * FROM users WHERE id = " + id);
}

const agent = new https.Agent({ rejectUnauthorized: false });
module.exports = { run, logs, user, agent };
`;

const LOCK = JSON.stringify(
  {
    name: 'vault',
    version: '1.0.0',
    lockfileVersion: 3,
    requires: true,
    packages: {
      '': { name: 'vault', version: '1.0.0', dependencies: { lodash: '4.17.20' } },
      'node_modules/lodash': { version: '4.17.20' },
    },
  },
  null,
  2,
);

function buildRepo(name: string, registryUrl: string): string {
  const repo = path.join(tmp, name);
  const put = (file: string, content: string) => {
    fs.mkdirSync(path.dirname(path.join(repo, file)), { recursive: true });
    fs.writeFileSync(path.join(repo, file), content);
  };
  put('src/config.js', CONFIG_JS);
  put('src/server.js', SERVER_JS);
  put('assets/logo.bin', '\0\x01binary');
  put('package.json', JSON.stringify({ name: 'vault', version: '1.0.0', dependencies: { lodash: '4.17.20' } }));
  put('package-lock.json', LOCK);
  put('.npmrc', `registry=${registryUrl}\n`);
  put('.claude-flow/secrets-allowlist', `# the test fixture key\n${ALLOWED}\n`);
  // Ignored files are not scanned.
  put('.gitignore', 'secrets.local\n');
  put('secrets.local', `key=${AWS}\n`);
  execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: repo });
  return repo;
}

const lineOf = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;

test('secrets, risky code and npm audit findings at the right lines, in valid SARIF; AI triage; one issue', async () => {
  const repo = buildRepo('vault', `${registry.origin}/`);
  anthropic.reset();
  anthropic.defaultReply = JSON.stringify({
    verdicts: [
      { index: 0, verdict: 'true-positive', note: 'A live AWS key shape.' },
      { index: 1, verdict: 'false-positive', note: 'Looks like a test value.' },
    ],
  });
  const workflowId = `audit-${Date.now()}`;
  const r = await app.client.workflow.execute(securityAudit, {
    taskQueue: app.config.temporal.taskQueue,
    workflowId,
    args: [{ path: repo, createIssue: { repo: 'acme/vault', labels: ['security'] } }],
  });

  const where = (rule: string) => r.findings.filter((f) => f.rule === rule).map((f) => `${f.path}:${f.line}`);
  expect(where('secret/aws-access-key-id')).toEqual([`src/config.js:${lineOf(CONFIG_JS, 'awsKey')}`]);
  expect(where('secret/github-token')).toEqual([`src/config.js:${lineOf(CONFIG_JS, 'githubToken')}`]);
  expect(where('secret/high-entropy-string')).toEqual([`src/config.js:${lineOf(CONFIG_JS, 'apiSecret')}`]);
  // The allowlisted key, the commit id and the git-ignored file are not findings.
  expect(
    r.findings.some((f) => f.line === lineOf(CONFIG_JS, 'fixtureKey') || f.line === lineOf(CONFIG_JS, 'commit')),
  ).toBe(false);
  expect(r.findings.some((f) => f.path === 'secrets.local')).toBe(false);
  expect(where('risky/eval')).toEqual([`src/server.js:${lineOf(SERVER_JS, 'eval(')}`]);
  expect(where('risky/shell-command')).toEqual([`src/server.js:${lineOf(SERVER_JS, 'exec(`')}`]);
  expect(where('risky/sql-concatenation')).toEqual([`src/server.js:${lineOf(SERVER_JS, 'SELECT')}`]);
  expect(where('risky/tls-verification-disabled')).toEqual([
    `src/server.js:${lineOf(SERVER_JS, 'rejectUnauthorized')}`,
  ]);
  expect(where('npm-audit/lodash')).toEqual([`package-lock.json:${lineOf(LOCK, '"node_modules/lodash"')}`]);
  expect(r.dependencies).toMatchObject({ outcome: 'ok', lockfile: 'package-lock.json', vulnerabilities: 1 });
  expect(r.findings.find((f) => f.rule === 'npm-audit/lodash')?.message).toContain('Fix: lodash@4.17.21');
  expect(r.secrets.filesScanned).toBeGreaterThan(5);
  expect(r.counts).toMatchObject({ critical: 2, high: 6 });

  // AI triage saw the most severe findings, secrets masked, and its verdicts are attached.
  const asked = JSON.stringify(anthropic.requests.at(-1)?.body.messages);
  expect(asked).toContain('secret/aws-access-key-id');
  expect(asked).not.toContain(AWS);
  expect(asked).not.toContain(GH);
  expect(r.triage).toEqual({ outcome: 'ok', reviewed: 2, falsePositives: 1 });
  expect(r.findings[0].triage).toBe('true-positive: A live AWS key shape.');

  // SARIF 2.1.0 as code scanning reads it.
  expect(r.sarif).toBe(path.join(repo, '.claude-flow', 'reports', `security-audit-${workflowId}.sarif`));
  const sarif = JSON.parse(fs.readFileSync(r.sarif, 'utf8')) as SarifLog;
  expect(sarif.version).toBe('2.1.0');
  expect(sarif.$schema).toMatch(/sarif-schema-2\.1\.0\.json$/);
  expect(sarif.runs).toHaveLength(1);
  const run = sarif.runs[0];
  expect(run.tool.driver.name).toBe('Claude Flow securityAudit');
  const ruleIds = run.tool.driver.rules.map((x) => x.id);
  expect(new Set(ruleIds).size).toBe(ruleIds.length);
  expect(run.results).toHaveLength(r.totalFindings);
  for (const res of run.results) {
    expect(ruleIds[res.ruleIndex]).toBe(res.ruleId);
    expect(['error', 'warning', 'note']).toContain(res.level);
    expect(res.message.text.length).toBeGreaterThan(0);
    const loc = res.locations[0].physicalLocation;
    expect(loc.artifactLocation.uri).not.toMatch(/^\//);
    expect(fs.existsSync(path.join(repo, decodeURIComponent(loc.artifactLocation.uri)))).toBe(true);
    expect(loc.region.startLine).toBeGreaterThanOrEqual(1);
  }
  const aws = run.results.find((x) => x.ruleId === 'secret/aws-access-key-id');
  expect(aws).toMatchObject({
    level: 'error',
    locations: [{ physicalLocation: { region: { startLine: lineOf(CONFIG_JS, 'awsKey') } } }],
  });
  expect(aws?.message.text).toContain('AI triage: true-positive');
  expect(JSON.stringify(sarif)).not.toContain(AWS);
  expect(fs.readFileSync(r.markdown, 'utf8')).toContain('# Security audit: vault');

  // One issue, with the summary, created once.
  const issues = gh.repo('acme/vault').issues;
  expect(issues).toHaveLength(1);
  expect(r.issue).toMatchObject({ number: issues[0].number, reused: false });
  expect(issues[0].labels).toEqual(['security']);
  expect(issues[0].body).toContain(r.summary);
  expect(issues[0].body).not.toContain(AWS);
  expect(r.progress.steps.map((s) => `${s.name}:${s.status}`)).toEqual([
    'secrets:done',
    'risky-code:done',
    'dependencies:done',
    'ai-triage:done',
    'report:done',
    'issue:done',
  ]);
});

test('an unreachable npm registry and no AI provider: both steps skipped with the reason, the audit completes', async () => {
  const repo = buildRepo('offline', `http://127.0.0.1:${await closedPort()}/`);
  const r = await app.client.workflow.execute(securityAudit, {
    taskQueue: app.config.temporal.taskQueue,
    workflowId: `audit-offline-${Date.now()}`,
    // OpenAI is not configured on this worker: the triage route has no provider.
    args: [{ path: repo, route: ['openai'] }],
  });
  expect(r.dependencies.outcome).toBe('skipped');
  expect((r.dependencies as { reason: string }).reason).toMatch(
    /^dependency audit skipped: cannot reach the npm registry \(.*ECONNREFUSED/,
  );
  expect(r.triage).toMatchObject({
    outcome: 'skipped',
    reason: expect.stringMatching(/^No AI provider is configured/),
  });
  const steps = Object.fromEntries(r.progress.steps.map((s) => [s.name, s]));
  expect(steps.dependencies).toMatchObject({
    status: 'skipped',
    detail: expect.stringContaining('cannot reach the npm registry'),
  });
  expect(steps['ai-triage']).toMatchObject({ status: 'skipped' });
  expect(steps.issue).toMatchObject({ status: 'skipped', detail: 'createIssue not requested' });
  expect(r.findings.some((f) => f.rule === 'secret/aws-access-key-id')).toBe(true);
  const sarif = JSON.parse(fs.readFileSync(r.sarif, 'utf8')) as SarifLog;
  expect(sarif.runs[0].invocations[0].toolExecutionNotifications.map((n) => n.message.text)).toEqual(
    expect.arrayContaining([expect.stringContaining('cannot reach the npm registry')]),
  );
});

test('the catalog entry: defaults, and wrong inputs say what to fix', () => {
  const parse = (v: unknown) => securityAuditDef.input.safeParse(v);
  const msgs = (v: unknown) => {
    const r = parse(v);
    return r.success ? [] : r.error.issues.map((i) => i.message);
  };
  expect(parse({ path: '/x' }).data).toMatchObject({ npmAudit: true, triage: true, maxFiles: 20_000 });
  expect(msgs({})).toEqual([expect.stringContaining('path is required')]);
  expect(msgs({ path: 'x' })).toEqual([expect.stringContaining('must be an absolute path')]);
  expect(msgs({ path: '/x', allowlistFile: '../etc/passwd' })).toEqual([
    expect.stringContaining('inside the repository'),
  ]);
  expect(msgs({ path: '/x', createIssue: { repo: 'nope' } })).toEqual([expect.stringContaining('"owner/name"')]);
});
