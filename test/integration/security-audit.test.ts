// securityAudit end to end with the real analysers: gitleaks and Semgrep (installed into .tools/ by
// the test setup), `npm audit` against a wire-level npm registry fake, AI triage through the real
// Anthropic SDK against its fake, and GitHub (issue, code scanning upload, a remote repository
// fetched over git's smart HTTP protocol) through Octokit and git against the GitHub fake. The
// fixture repositories are test/fixtures/security-audit: `planted` and `clean`.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { MergedSarifLog } from '../../activities/dev/security-audit/merged-sarif';
import { securityAuditDef } from '../../lib/workflow-types/security-audit';
import { securityAudit, type SecurityAuditResult } from '../../workflows/dev/security-audit';
import { startFakeAnthropic } from '../fakes/anthropic';
import { type FakeGithub, startFakeGithub } from '../fakes/github';
import { type FakeServer, type HttpFake, sendJson, startHttpFake } from '../fakes/http-fake';
import { fixtureRepo, headOf, missingAnalysers, PLANTED_SECRETS, plantedFindings } from '../helpers/audit-fixtures';
import { sarifSchemaErrors } from '../helpers/sarif-schema';
import { startTestApp, type TestApp } from '../helpers/stack';

jest.setTimeout(180_000);

const missing = missingAnalysers();
if (missing.length) {
  // The issue allows this one skip: the analysers could not be installed on this machine.
  console.warn(`security audit tests skipped, analysers unavailable: ${missing.join('; ')}`);
}
const withAnalysers = missing.length ? test.skip : test;

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

async function closedPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const { port } = srv.address() as net.AddressInfo;
  await new Promise((r) => srv.close(r));
  return port;
}

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
const npmFiles = (registryUrl: string) => ({
  'package.json': JSON.stringify({ name: 'vault', version: '1.0.0', dependencies: { lodash: '4.17.20' } }),
  'package-lock.json': LOCK,
  '.npmrc': `registry=${registryUrl}\n`,
});

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

const run = (args: Record<string, unknown>, id = `audit-${Date.now()}-${Math.random().toString(36).slice(2, 6)}`) =>
  app.client.workflow.execute(securityAudit, {
    taskQueue: app.config.temporal.taskQueue,
    workflowId: id,
    args: [args],
  }) as Promise<SecurityAuditResult>;

const readSarif = (file: string) => JSON.parse(fs.readFileSync(file, 'utf8')) as MergedSarifLog;

function expectValidSarif(sarif: unknown): void {
  expect(sarifSchemaErrors(sarif)).toEqual([]);
}

/** Every planted secret value, and anything a run returned or wrote must never contain one. */
function expectNoSecretIn(where: string, text: string): void {
  for (const [name, value] of Object.entries(PLANTED_SECRETS)) {
    for (const part of value.split('\n')) {
      if (text.includes(part)) throw new Error(`${where} contains the planted ${name}`);
    }
  }
}

withAnalysers(
  'the planted repository: every planted finding at its line, classified and baselined, in valid merged SARIF; triage, one issue, one code scanning upload; no secret anywhere',
  async () => {
    const repo = fixtureRepo('planted', tmp, npmFiles(`${registry.origin}/`));
    anthropic.reset();
    anthropic.defaultReply = JSON.stringify({
      verdicts: [{ index: 0, verdict: 'true-positive', note: 'A live key shape.' }],
    });
    const r = await run({
      path: repo,
      createIssue: { repo: 'acme/vault', labels: ['security'] },
      codeScanning: { repo: 'acme/vault' },
    });

    const planted = plantedFindings();
    const open = r.findings;
    const at = (p: { path: string; line: number }) => open.filter((f) => f.path === p.path && f.line === p.line);
    for (const p of planted.filter((x) => x.kind !== 'accepted')) {
      const here = at(p);
      expect({ ...p, found: here.map((f) => f.rule) }).toEqual({ ...p, found: expect.arrayContaining([p.rule]) });
      const f = here.find((x) => x.rule === p.rule);
      if (p.kind === 'test' || p.kind === 'example') {
        expect(f).toMatchObject({ classification: p.kind, severity: 'low', originalSeverity: 'critical' });
      } else {
        expect(['critical', 'high', 'medium']).toContain(f?.severity);
      }
    }
    // Nothing serious beyond what was planted (the lockfile's advisory is planted through npm audit).
    const plantedPlaces = new Set(planted.map((p) => `${p.path}:${p.line}`));
    const extra = open.filter(
      (f) =>
        ['critical', 'high'].includes(f.severity) &&
        !plantedPlaces.has(`${f.path}:${f.line}`) &&
        f.rule !== 'npm-audit/lodash',
    );
    expect(extra.map((f) => `${f.rule} ${f.path}:${f.line}`)).toEqual([]);
    // One finding per place and topic, every tool named: the planted password is ours alone.
    expect(open.find((f) => f.rule === 'secret/password-in-url')).toMatchObject({ tools: ['claude-flow'] });
    const places = open.map((f) => `${f.path}:${f.line}:${f.rule.split('/')[0] === 'semgrep' ? f.rule : 'secret'}`);
    expect(new Set(places).size).toBe(places.length);

    // The accepted finding is not open, and says why and who in the SARIF file.
    const accepted = planted.find((p) => p.kind === 'accepted') as { path: string; line: number };
    expect(at(accepted)).toEqual([]);
    expect(r.accepted).toBe(1);
    expect(r.counts.critical).toBeGreaterThan(0);
    expect(r.dependencies).toMatchObject({ outcome: 'ok', lockfile: 'package-lock.json', vulnerabilities: 1 });
    expect(r.tools.filter((t) => t.status === 'ran').map((t) => t.name)).toEqual(
      expect.arrayContaining(['gitleaks', 'Semgrep', 'Claude Flow checks', 'npm audit']),
    );

    const sarif = readSarif(r.sarif);
    expectValidSarif(sarif);
    const results = sarif.runs[0].results;
    const components = sarif.runs[0].tool.extensions;
    for (const res of results) {
      const component = components[res.rule.toolComponent.index];
      expect(component.rules[res.rule.index].id).toBe(res.ruleId);
      expect(res.properties.tools[0]).toBe(res.properties.tool);
    }
    const suppressed = results.filter((x) => x.suppressions);
    expect(suppressed).toHaveLength(1);
    expect(suppressed[0].suppressions?.[0]).toEqual({
      kind: 'external',
      status: 'accepted',
      justification: 'Opens only the sandbox account; rotated every quarter (accepted by security@acme.test)',
    });
    expect(components.map((c) => c.name)).toEqual(expect.arrayContaining(['gitleaks', 'Semgrep', 'npm audit']));
    const gitleaksPat = results.find(
      (x) => x.ruleId === 'github-pat' && !x.suppressions && !x.properties.classification,
    );
    expect(components[gitleaksPat?.rule.toolComponent.index ?? -1].name).toBe('gitleaks');

    // AI triage saw no secret and its verdict is attached to the most severe finding.
    expect(r.triage).toMatchObject({ outcome: 'ok', reviewed: 1 });
    expect(r.findings[0].triage).toBe('true-positive: A live key shape.');

    // Code scanning: one upload for the commit, gzip + base64 of exactly the SARIF file.
    const uploads = gh.repo('acme/vault').sarifUploads;
    expect(uploads).toHaveLength(1);
    expect(uploads[0]).toMatchObject({ commit_sha: headOf(repo), ref: 'refs/heads/main' });
    expect(gunzipSync(Buffer.from(uploads[0].encoded, 'base64')).toString('utf8')).toBe(
      fs.readFileSync(r.sarif, 'utf8'),
    );
    expect(r.codeScanning).toMatchObject({ outcome: 'uploaded', processingStatus: 'complete', sarifId: uploads[0].id });

    const issues = gh.repo('acme/vault').issues;
    expect(issues).toHaveLength(1);
    expect(issues[0].body).toContain(r.summary);

    for (const [where, text] of [
      ['the result', JSON.stringify(r)],
      ['the SARIF file', fs.readFileSync(r.sarif, 'utf8')],
      ['the Markdown report', fs.readFileSync(r.markdown, 'utf8')],
      ['the issue', JSON.stringify(issues)],
      ['what the model was sent', JSON.stringify(anthropic.requests.map((q) => q.body))],
    ] as const) {
      expectNoSecretIn(where, text);
    }
    expect(r.progress.steps.map((s) => `${s.name}:${s.status}`)).toEqual([
      'secrets:done',
      'risky-code:done',
      'linters:done',
      'dependencies:done',
      'ai-triage:done',
      'report:done',
      'code-scanning:done',
      'issue:done',
    ]);
  },
);

withAnalysers(
  'the clean fixture set: nothing high or critical, at most one low or medium finding per ten files',
  async () => {
    const repo = fixtureRepo('clean', tmp);
    const r = await run({ path: repo, npmAudit: false, triage: false });
    const files = r.secrets.filesScanned;
    expect(files).toBeGreaterThanOrEqual(20);
    expect(r.findings.filter((f) => ['critical', 'high'].includes(f.severity))).toEqual([]);
    const lowMedium = r.findings.filter((f) => ['low', 'medium'].includes(f.severity));
    expect(lowMedium.length).toBeLessThanOrEqual(Math.floor(files / 10));
    expectValidSarif(readSarif(r.sarif));
  },
);

withAnalysers('code scanning: an upload whose answer was lost is not posted again by the retry', async () => {
  const repo = fixtureRepo('clean', tmp);
  gh.addRepo('acme/lost');
  gh.fault({ kind: 'dieAfterHandling', method: 'POST', path: /\/code-scanning\/sarifs$/ });
  const r = await run({ path: repo, npmAudit: false, triage: false, codeScanning: { repo: 'acme/lost' } });
  const uploads = gh.repo('acme/lost').sarifUploads;
  expect(uploads).toHaveLength(1);
  expect(gh.calls().filter((c) => c === 'POST /repos/acme/lost/code-scanning/sarifs')).toHaveLength(1);
  expect(r.codeScanning).toMatchObject({ outcome: 'reused', sarifId: uploads[0].id, commitSha: headOf(repo) });
});

withAnalysers(
  'code scanning: an answer lost while GitHub still processes the upload: the retry waits for it instead of posting again',
  async () => {
    const repo = fixtureRepo('clean', tmp);
    // Listed as an analysis only 5 s after it was posted, as GitHub lists uploads once processed.
    gh.addRepo('acme/slow', { sarifProcessingMs: 5_000 });
    gh.fault({ kind: 'dieAfterHandling', method: 'POST', path: /\/code-scanning\/sarifs$/ });
    const r = await run({ path: repo, npmAudit: false, triage: false, codeScanning: { repo: 'acme/slow' } });
    const uploads = gh.repo('acme/slow').sarifUploads;
    expect(uploads).toHaveLength(1);
    expect(r.codeScanning).toMatchObject({ outcome: 'reused', sarifId: uploads[0].id, processingStatus: 'complete' });
  },
);

withAnalysers("code scanning off for the repository: the upload is skipped with GitHub's reason", async () => {
  const repo = fixtureRepo('clean', tmp);
  gh.addRepo('acme/plain', { codeScanning: false });
  const r = await run({ path: repo, npmAudit: false, triage: false, codeScanning: { repo: 'acme/plain' } });
  expect(r.codeScanning).toMatchObject({
    outcome: 'skipped',
    reason: expect.stringContaining('Advanced Security must be enabled'),
  });
  expect(r.progress.steps.find((s) => s.name === 'code-scanning')).toMatchObject({ status: 'done' });
});

withAnalysers(
  'a remote repository {repo, ref}: fetched shallow over git from the GitHub fake, audited, uploaded for its branch',
  async () => {
    const source = fixtureRepo('planted', tmp);
    gh.addRepo('acme/remote', { gitDir: path.join(source, '.git') });
    const r = await run({ repo: 'acme/remote', ref: 'main', npmAudit: false, triage: false, codeScanning: true });
    expect(r.target).toEqual({ repo: 'acme/remote', ref: 'main', commitSha: headOf(source) });
    for (const p of plantedFindings().filter((x) => x.kind !== 'accepted')) {
      expect(
        r.findings.some((f) => f.path === p.path && f.line === p.line && f.rule === p.rule) ? p : { missing: p },
      ).toEqual(p);
    }
    expect(r.tools.find((t) => t.name === 'ESLint')).toMatchObject({ status: 'skipped' });
    expect(r.progress.steps[0]).toMatchObject({ name: 'checkout', status: 'done' });
    const uploads = gh.repo('acme/remote').sarifUploads;
    expect(uploads).toHaveLength(1);
    expect(uploads[0]).toMatchObject({ commit_sha: headOf(source), ref: 'refs/heads/main' });
    // The git requests carried the token as git sends it (Basic), never in the URL.
    const gitCalls = gh.requests.filter((q) => q.path.startsWith('/acme/remote.git/'));
    expect(gitCalls.length).toBeGreaterThan(0);
    expect(
      gitCalls.every((q) => String(q.headers.authorization).startsWith('Basic ') && !q.path.includes('ghp_')),
    ).toBe(true);
    expectNoSecretIn('the remote result', JSON.stringify(r));
    expectNoSecretIn('the remote SARIF file', fs.readFileSync(r.sarif, 'utf8'));
    expect(fs.existsSync(path.join(app.config.dataDir, 'checkouts', 'acme', 'remote', headOf(source)))).toBe(false);
  },
);

withAnalysers('a remote ref that does not exist fails at once, naming the ref', async () => {
  const source = fixtureRepo('clean', tmp);
  gh.addRepo('acme/refs', { gitDir: path.join(source, '.git') });
  await expect(run({ repo: 'acme/refs', ref: 'no-such-branch', npmAudit: false, triage: false })).rejects.toMatchObject(
    {
      cause: { cause: { message: expect.stringContaining('has no branch or tag "no-such-branch"') } },
    },
  );
});

withAnalysers(
  'an unreachable npm registry and no AI provider: both skipped with the reason, the audit completes',
  async () => {
    const repo = fixtureRepo('clean', tmp, npmFiles(`http://127.0.0.1:${await closedPort()}/`));
    const r = await run({ path: repo, route: ['openai'] });
    expect((r.dependencies as { reason: string }).reason).toMatch(
      /^dependency audit skipped: cannot reach the npm registry \(.*ECONNREFUSED/,
    );
    expect(r.triage).toMatchObject({
      outcome: 'skipped',
      reason: expect.stringMatching(/^No AI provider is configured/),
    });
    const sarif = readSarif(r.sarif);
    expect(sarif.runs[0].invocations[0].toolExecutionNotifications.map((n) => n.message.text)).toEqual(
      expect.arrayContaining([expect.stringContaining('cannot reach the npm registry')]),
    );
  },
);

withAnalysers('a baseline entry without a reason or who accepted it fails the audit, saying what to fix', async () => {
  const repo = fixtureRepo('clean', tmp, {
    '.claude-flow/security-baseline.json': JSON.stringify({ accepted: [{ rule: 'gitleaks/github-pat' }] }),
  });
  await expect(run({ path: repo, npmAudit: false, triage: false })).rejects.toMatchObject({
    cause: {
      cause: {
        message: expect.stringMatching(
          /security-baseline\.json is not a valid security baseline: accepted\.0\.reason: reason is required.*acceptedBy is required/,
        ),
      },
    },
  });
});

test('gitleaks and Semgrep unavailable: each skipped with the reason, our own patterns run in their place', async () => {
  const noTools = await startTestApp({
    env: { GITLEAKS_PATH: path.join(tmp, 'no-gitleaks'), SEMGREP_PATH: path.join(tmp, 'no-semgrep') },
  });
  try {
    const repo = fixtureRepo('planted', tmp);
    const r = (await noTools.client.workflow.execute(securityAudit, {
      taskQueue: noTools.config.temporal.taskQueue,
      workflowId: `audit-no-tools-${Date.now()}`,
      args: [{ path: repo, npmAudit: false, triage: false }],
    })) as SecurityAuditResult;
    expect(r.tools.filter((t) => t.status === 'skipped').map((t) => [t.name, t.reason])).toEqual([
      [
        'gitleaks',
        expect.stringMatching(
          /GITLEAKS_PATH=.*no-gitleaks is not an executable file.*the built-in secret patterns ran instead/,
        ),
      ],
      [
        'Semgrep',
        expect.stringMatching(
          /SEMGREP_PATH=.*no-semgrep is not an executable file.*the built-in risky-code patterns ran instead/,
        ),
      ],
    ]);
    const where = (rule: string) => r.findings.filter((f) => f.rule === rule).map((f) => `${f.path}:${f.line}`);
    expect(where('secret/github-token')).toContain('src/config.js:7');
    expect(where('risky/eval')).toContain('src/server.js:5');
    expect(r.notes).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^gitleaks skipped: /),
        expect.stringMatching(/^Semgrep skipped: /),
      ]),
    );
    expect(sarifSchemaErrors(readSarif(r.sarif))).toEqual([]);
    expectNoSecretIn('the result without the analysers', JSON.stringify(r));
  } finally {
    await noTools.close();
  }
});

test('the catalog entry: defaults, and wrong inputs say what to fix', () => {
  const parse = (v: unknown) => securityAuditDef.input.safeParse(v);
  const msgs = (v: unknown) => {
    const r = parse(v);
    return r.success ? [] : r.error.issues.map((i) => i.message);
  };
  expect(parse({ path: '/x' }).data).toMatchObject({ npmAudit: true, triage: true, maxFiles: 20_000 });
  expect(parse({ repo: 'acme/api', ref: 'refs/pull/7/head', codeScanning: true }).success).toBe(true);
  expect(msgs({})).toEqual([expect.stringContaining('path is required')]);
  expect(msgs({ path: 'x' })).toEqual([expect.stringContaining('must be an absolute path')]);
  expect(msgs({ path: '/x', repo: 'acme/api' })).toEqual(['give path or repo, not both']);
  expect(msgs({ path: '/x', ref: 'main' })).toEqual([expect.stringContaining('ref goes with repo')]);
  expect(msgs({ path: '/x', codeScanning: true })).toEqual([expect.stringContaining('codeScanning needs { repo')]);
  expect(msgs({ repo: 'acme/api', codeScanning: { ref: 'main' } })).toEqual([expect.stringContaining('full ref')]);
  expect(msgs({ path: '/x', allowlistFile: '../etc/passwd' })).toEqual([
    expect.stringContaining('inside the repository'),
  ]);
  expect(msgs({ path: '/x', createIssue: { repo: 'nope' } })).toEqual([expect.stringContaining('"owner/name"')]);
});
