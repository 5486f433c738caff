// Dependency audit with the repository's own npm configuration: `npm audit --json
// --package-lock-only` where there is a lockfile. A registry that cannot be reached is a clear skip,
// never a failed audit.
import fs from 'node:fs';
import path from 'node:path';
import type { Finding, Severity } from '../../../workflows/contract/findings';
import { runCommand } from '../process';

export type DependencyAudit =
  | { outcome: 'ok'; lockfile: string; vulnerabilities: number; findings: Finding[] }
  | { outcome: 'skipped'; reason: string };

const LOCKFILES = ['package-lock.json', 'npm-shrinkwrap.json'];
const NETWORK_CODES =
  /^(ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|EHOSTUNREACH|ECONNABORTED|ERR_SOCKET_TIMEOUT|EPROTO|CERT_|UNABLE_TO_|SELF_SIGNED)/;

interface NpmVia {
  title?: string;
  url?: string;
  severity?: string;
  range?: string;
  name?: string;
  source?: number;
}
interface NpmVulnerability {
  name: string;
  severity: string;
  isDirect?: boolean;
  via: (string | NpmVia)[];
  range?: string;
  fixAvailable?: boolean | { name: string; version: string; isSemVerMajor?: boolean };
}
interface NpmAuditJson {
  auditReportVersion?: number;
  vulnerabilities?: Record<string, NpmVulnerability>;
  error?: { code?: string | null; summary?: string; detail?: string };
  /** npm 11 puts the cause here, next to an empty `error`. */
  message?: string;
}

function severityOf(s: string): Severity {
  return s === 'critical'
    ? 'critical'
    : s === 'high'
      ? 'high'
      : s === 'moderate'
        ? 'medium'
        : s === 'low'
          ? 'low'
          : 'info';
}

/** The line of `"node_modules/<name>"` in the lockfile, so the finding points at the locked version. */
function lockLine(lockText: string, name: string): number | undefined {
  const i = lockText.indexOf(`"node_modules/${name}"`);
  return i < 0 ? undefined : lockText.slice(0, i).split('\n').length;
}

/** Turns npm's JSON into findings; a report npm marked as an error becomes a reason. */
export function parseNpmAudit(stdout: string, lockfile: string, lockText: string): DependencyAudit {
  let json: NpmAuditJson;
  try {
    json = JSON.parse(stdout) as NpmAuditJson;
  } catch {
    const head = stdout.trim().slice(0, 200);
    return {
      outcome: 'skipped',
      reason: `dependency audit skipped: npm audit printed no JSON report (${head || 'no output'})`,
    };
  }
  if (json.error) {
    const code = json.error.code ?? '';
    const summary = (json.message || json.error.summary || json.error.detail || '')
      .replace(/\s+/g, ' ')
      .trim()
      .slice(0, 300);
    const network =
      NETWORK_CODES.test(code) || /request to .* failed|network|getaddrinfo|socket hang up|connect E/i.test(summary);
    return {
      outcome: 'skipped',
      reason: network
        ? `dependency audit skipped: cannot reach the npm registry (${[code, summary].filter(Boolean).join(': ')})`
        : `dependency audit skipped: npm audit failed (${[code, summary].filter(Boolean).join(': ') || 'no detail'})`,
    };
  }
  const vulns = Object.values(json.vulnerabilities ?? {});
  const findings: Finding[] = vulns.map((v) => {
    const advisories = v.via.filter((x): x is NpmVia => typeof x === 'object');
    const through = v.via.filter((x): x is string => typeof x === 'string');
    const what = advisories.length
      ? advisories.map((a) => `${a.title ?? 'advisory'}${a.url ? ` (${a.url})` : ''}`).join('; ')
      : `vulnerable through ${through.join(', ')}`;
    const fix =
      v.fixAvailable === true
        ? 'Fix: npm audit fix.'
        : v.fixAvailable && typeof v.fixAvailable === 'object'
          ? `Fix: ${v.fixAvailable.name}@${v.fixAvailable.version}${v.fixAvailable.isSemVerMajor ? ' (a major upgrade)' : ''}.`
          : 'No fix available yet.';
    const line = lockLine(lockText, v.name);
    return {
      rule: `npm-audit/${v.name}`,
      severity: severityOf(v.severity),
      message: `${v.name}${v.range ? ` ${v.range}` : ''}${v.isDirect ? ' (direct dependency)' : ''}: ${what}. ${fix}`,
      path: lockfile,
      ...(line ? { line } : {}),
      source: 'npm-audit',
    };
  });
  return { outcome: 'ok', lockfile, vulnerabilities: vulns.length, findings };
}

/** Runs npm audit in `repo` when it has an npm lockfile; otherwise says why not. */
export async function npmAudit(repo: string, timeoutMs = 120_000): Promise<DependencyAudit> {
  const lockfile = LOCKFILES.find((f) => fs.existsSync(path.join(repo, f)));
  if (!lockfile) {
    return {
      outcome: 'skipped',
      reason: 'dependency audit skipped: no package-lock.json or npm-shrinkwrap.json in the repository',
    };
  }
  const lockText = fs.readFileSync(path.join(repo, lockfile), 'utf8');
  let res;
  try {
    res = await runCommand({
      command: 'npm',
      args: ['audit', '--json', '--package-lock-only', '--fetch-retries=0', '--fetch-timeout=20000'],
      cwd: repo,
      timeoutMs,
      maxOutputBytes: 16 * 1024 * 1024,
      // npm must not ask, update itself, or print progress into the JSON.
      env: { npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_progress: 'false' },
    });
  } catch (err) {
    return { outcome: 'skipped', reason: `dependency audit skipped: ${(err as Error).message}` };
  }
  if (res.timedOut) {
    return {
      outcome: 'skipped',
      reason: `dependency audit skipped: npm audit took longer than ${timeoutMs} ms (is the npm registry reachable?)`,
    };
  }
  return parseNpmAudit(res.stdout, lockfile, lockText);
}
