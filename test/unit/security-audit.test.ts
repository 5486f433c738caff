// The pure parts of securityAudit: reading npm audit's JSON (reports, and the errors npm prints when
// it cannot reach the registry) and building SARIF 2.1.0.
import { parseNpmAudit } from '../../activities/dev/security-audit/npm-audit';
import { buildSarif, pathUri } from '../../activities/dev/security-audit/sarif';

const LOCK = '{\n  "packages": {\n    "": {},\n    "node_modules/minimist": {\n      "version": "1.2.0"\n    }\n  }\n}';

describe('npm audit output', () => {
  test('a report becomes findings at the locked package, with the fix', () => {
    const out = JSON.stringify({
      auditReportVersion: 2,
      vulnerabilities: {
        minimist: {
          name: 'minimist',
          severity: 'moderate',
          isDirect: false,
          via: [
            {
              title: 'Prototype Pollution in minimist',
              url: 'https://advisories.example.test/2',
              severity: 'moderate',
            },
          ],
          range: '<1.2.6',
          fixAvailable: true,
        },
        mkdirp: { name: 'mkdirp', severity: 'low', via: ['minimist'], fixAvailable: false },
      },
    });
    const r = parseNpmAudit(out, 'package-lock.json', LOCK);
    expect(r).toEqual({
      outcome: 'ok',
      lockfile: 'package-lock.json',
      vulnerabilities: 2,
      findings: [
        {
          rule: 'npm-audit/minimist',
          severity: 'medium',
          message:
            'minimist <1.2.6: Prototype Pollution in minimist (https://advisories.example.test/2). Fix: npm audit fix.',
          path: 'package-lock.json',
          line: 4,
          source: 'npm-audit',
        },
        {
          rule: 'npm-audit/mkdirp',
          severity: 'low',
          message: 'mkdirp: vulnerable through minimist. No fix available yet.',
          path: 'package-lock.json',
          source: 'npm-audit',
        },
      ],
    });
  });

  test('an unreachable registry is a skip that says so (npm 11 and older shapes); other errors say what failed', () => {
    const npm11 = JSON.stringify({
      message:
        'request to http://127.0.0.1:9/-/npm/v1/security/advisories/bulk failed, reason: connect ECONNREFUSED 127.0.0.1:9',
      error: { summary: '', detail: '' },
    });
    expect(parseNpmAudit(npm11, 'package-lock.json', LOCK)).toEqual({
      outcome: 'skipped',
      reason:
        'dependency audit skipped: cannot reach the npm registry (request to http://127.0.0.1:9/-/npm/v1/security/advisories/bulk failed, reason: connect ECONNREFUSED 127.0.0.1:9)',
    });
    const older = JSON.stringify({ error: { code: 'ENOTFOUND', summary: 'getaddrinfo ENOTFOUND registry.invalid' } });
    expect(parseNpmAudit(older, 'package-lock.json', LOCK)).toMatchObject({
      reason: expect.stringMatching(
        /^dependency audit skipped: cannot reach the npm registry \(ENOTFOUND: getaddrinfo/,
      ),
    });
    const other = JSON.stringify({
      error: { code: 'ELOCKVERIFY', summary: 'Errors were found in your package-lock.json' },
    });
    expect(parseNpmAudit(other, 'package-lock.json', LOCK)).toMatchObject({
      reason: 'dependency audit skipped: npm audit failed (ELOCKVERIFY: Errors were found in your package-lock.json)',
    });
    expect(parseNpmAudit('npm ERR! something', 'package-lock.json', LOCK)).toMatchObject({
      reason: expect.stringContaining('npm audit printed no JSON report'),
    });
  });
});

describe('SARIF', () => {
  test('rules once each (worst severity wins), results with levels and locations, notes as notifications', () => {
    const log = buildSarif({
      root: '/work/repo',
      version: '1.0.0',
      notes: ['dependency audit skipped: no package-lock.json'],
      findings: [
        { rule: 'risky/eval', severity: 'medium', message: 'eval', path: 'src/a b.js', line: 3, source: 'static' },
        {
          rule: 'risky/eval',
          severity: 'high',
          message: 'eval again',
          path: 'src/c.js',
          line: 9,
          source: 'static',
          triage: 'true-positive',
        },
        { rule: 'secret/aws-access-key-id', severity: 'critical', message: 'key', path: 'k.env', source: 'static' },
      ],
    });
    expect(log.version).toBe('2.1.0');
    expect(log.$schema).toMatch(/^https:\/\/.*sarif-schema-2\.1\.0\.json$/);
    const run = log.runs[0];
    expect(
      run.tool.driver.rules.map((r) => [r.id, r.defaultConfiguration.level, r.properties['security-severity']]),
    ).toEqual([
      ['risky/eval', 'error', '8.0'],
      ['secret/aws-access-key-id', 'error', '9.5'],
    ]);
    expect(
      run.results.map((r) => [
        r.ruleId,
        r.ruleIndex,
        r.level,
        r.locations[0].physicalLocation.artifactLocation.uri,
        r.locations[0].physicalLocation.region.startLine,
      ]),
    ).toEqual([
      ['risky/eval', 0, 'warning', 'src/a%20b.js', 3],
      ['risky/eval', 0, 'error', 'src/c.js', 9],
      ['secret/aws-access-key-id', 1, 'error', 'k.env', 1],
    ]);
    expect(run.results[1].message.text).toBe('eval again\n\nAI triage: true-positive');
    expect(run.originalUriBaseIds).toEqual({ '%SRCROOT%': { uri: 'file:///work/repo/' } });
    expect(run.invocations[0].toolExecutionNotifications).toEqual([
      { level: 'note', message: { text: 'dependency audit skipped: no package-lock.json' } },
    ]);
    expect(pathUri('dir/ü.ts')).toBe('dir/%C3%BC.ts');
  });
});
