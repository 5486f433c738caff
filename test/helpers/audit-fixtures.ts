// The security audit's fixture repositories (test/fixtures/security-audit): `planted` (secrets and
// risky code in several languages, each marked `planted: <rule>` on its line) and `clean`. The
// planted secrets are placeholders in the files, filled in here from pieces, so that no value that
// looks like a live credential sits in this repository.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { harness } from '../setup/harness';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'security-audit');

const pat = (tail: string) => ['gh', 'p_', 'R8f2Kx9QmZ4vT1bW7nY3cJ6hL0pS5d', tail].join('');

/** Placeholder → the value planted in its place. */
export const PLANTED_SECRETS: Record<string, string> = {
  AWS_KEY: ['AK', 'IA', 'Z7Q2M4XWPTRK3LBQ'].join(''),
  GITHUB_PAT: pat('GaE2uV'),
  GITHUB_PAT_2: pat('Hb7kQ2'),
  GITHUB_PAT_TEST: pat('Tz3nM8'),
  GITHUB_PAT_EXAMPLE: pat('Xq5wE1'),
  GITHUB_PAT_ACCEPTED: pat('Aa9pL4'),
  RANDOM_SECRET: ['q9Zr7Lk2', 'Vx8Bn4Tm', 'W1sPd6Hy', 'C3gFj0Ue'].join(''),
  SLACK_BOT: ['xo', 'xb-', '123456789012-1234567890123-', 'AbCdEfGhIjKlMnOpQrStUvWx'].join(''),
  DB_PASSWORD: ['Sup3r', 'S3cret', 'Pw'].join(''),
  SENDGRID: ['SG', '.', 'a1B2c3D4e5F6g7H8i9J0kL', '.', 'mN1oP2qR3sT4uV5wX6yZ7aB8cD9eF0gH1iJ2kL3mN4o'].join(''),
  PRIVATE_KEY: [
    ['-----BEGIN OPENSSH', 'PRIVATE KEY-----'].join(' '),
    'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW',
    'QyNTUxOQAAACDQ5gXm0fJ1Kc7rT2xYbVw9LpQ3sHnZ8uA4eM6kR1tVjAAAAJjF3k9PxdJP',
    ['-----END OPENSSH', 'PRIVATE KEY-----'].join(' '),
  ].join('\n'),
};

export interface Planted {
  path: string;
  line: number;
  rule: string;
  /** `test`, `example` or `accepted` when the marker says so. */
  kind?: string;
}

function copyFilled(from: string, to: string): void {
  for (const e of fs.readdirSync(from, { withFileTypes: true })) {
    const src = path.join(from, e.name);
    const dst = path.join(to, e.name);
    if (e.isDirectory()) {
      fs.mkdirSync(dst, { recursive: true });
      copyFilled(src, dst);
    } else {
      const text = fs
        .readFileSync(src, 'utf8')
        .replace(/\{\{([A-Z0-9_]+)\}\}/g, (m, k: string) => PLANTED_SECRETS[k] ?? m);
      fs.writeFileSync(dst, text);
    }
  }
}

/** Every `planted:` marker of the fixture (plus the private key, which has no room for one). */
export function plantedFindings(): Planted[] {
  const out: Planted[] = [{ path: 'deploy/id_ed25519', line: 1, rule: 'gitleaks/private-key' }];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(path.join(FIXTURES, 'planted', dir), { withFileTypes: true })) {
      const rel = dir ? `${dir}/${e.name}` : e.name;
      if (e.isDirectory()) walk(rel);
      else
        fs.readFileSync(path.join(FIXTURES, 'planted', rel), 'utf8')
          .split('\n')
          .forEach((text, i) => {
            const m = /planted: (\S+)(?: \((\w+)\))?/.exec(text);
            if (m && !rel.endsWith('.md'))
              out.push({ path: rel, line: i + 1, rule: m[1], ...(m[2] ? { kind: m[2] } : {}) });
          });
    }
  };
  walk('');
  return out;
}

/** A git repository (one commit on main) of fixture set `name` in a new folder under `parent`. */
export function fixtureRepo(name: 'planted' | 'clean', parent: string, extra: Record<string, string> = {}): string {
  const repo = fs.mkdtempSync(path.join(parent, `${name}-`));
  copyFilled(path.join(FIXTURES, name), repo);
  for (const [file, content] of Object.entries(extra)) {
    fs.mkdirSync(path.dirname(path.join(repo, file)), { recursive: true });
    fs.writeFileSync(path.join(repo, file), content);
  }
  const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, stdio: 'pipe' });
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('-c', 'user.name=Fixture', '-c', 'user.email=fixture@example.test', 'commit', '-q', '-m', 'fixture');
  return repo;
}

export const headOf = (repo: string) => execFileSync('git', ['rev-parse', 'HEAD'], { cwd: repo }).toString().trim();

/** The tools the global setup could not provide, with why; empty when gitleaks and Semgrep are both there. */
export function missingAnalysers(): string[] {
  return Object.entries(harness().analysers)
    .filter(([, t]) => 'unavailable' in t)
    .map(([name, t]) => `${name}: ${(t as { unavailable: string }).unavailable}`);
}
