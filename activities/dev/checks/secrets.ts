// Secret scanning shared by codeReview (added lines of a diff) and securityAudit (whole files): known
// credential formats, high-entropy strings assigned to secret-sounding names, and an allowlist file.
// Pure functions over lines of text; never returns the secret itself, only a masked preview and a
// fingerprint the allowlist can name.
import { createHash } from 'node:crypto';
import type { Finding, Severity } from '../../../workflows/contract/findings';

export interface SecretRule {
  id: string;
  title: string;
  severity: Severity;
  pattern: RegExp;
  /** The capture group holding the secret (default: the whole match). */
  group?: number;
}

/** Known credential formats. Each pattern is global so one line can hold several. */
export const SECRET_RULES: SecretRule[] = [
  {
    id: 'secret/aws-access-key-id',
    title: 'AWS access key id',
    severity: 'critical',
    pattern: /\b((?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[0-9A-Z]{16})\b/g,
    group: 1,
  },
  {
    id: 'secret/aws-secret-access-key',
    title: 'AWS secret access key',
    severity: 'critical',
    pattern: /aws_?secret_?(?:access_?)?key["']?\s*[:=]\s*["']?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])/gi,
    group: 1,
  },
  {
    id: 'secret/github-token',
    title: 'GitHub token',
    severity: 'critical',
    pattern: /\b((?:gh[pousr]_[A-Za-z0-9]{36,255})|(?:github_pat_[A-Za-z0-9_]{60,255}))\b/g,
    group: 1,
  },
  {
    id: 'secret/private-key',
    title: 'private key',
    severity: 'critical',
    pattern: /(-----BEGIN (?:RSA |EC |DSA |OPENSSH |PGP |ENCRYPTED )?PRIVATE KEY(?: BLOCK)?-----)/g,
    group: 1,
  },
  {
    id: 'secret/anthropic-api-key',
    title: 'Anthropic API key',
    severity: 'critical',
    pattern: /\b(sk-ant-[A-Za-z0-9_-]{20,})/g,
    group: 1,
  },
  {
    id: 'secret/openai-api-key',
    title: 'OpenAI API key',
    severity: 'critical',
    pattern: /\b(sk-(?:proj-|svcacct-)?[A-Za-z0-9_-]{20,}T3BlbkFJ[A-Za-z0-9_-]{20,}|sk-proj-[A-Za-z0-9_-]{40,})/g,
    group: 1,
  },
  {
    id: 'secret/slack-token',
    title: 'Slack token',
    severity: 'high',
    pattern: /\b(xox[abposr]-[A-Za-z0-9-]{10,})/g,
    group: 1,
  },
  {
    id: 'secret/stripe-key',
    title: 'Stripe secret key',
    severity: 'critical',
    pattern: /\b((?:sk|rk)_live_[A-Za-z0-9]{20,})/g,
    group: 1,
  },
  {
    id: 'secret/google-api-key',
    title: 'Google API key',
    severity: 'high',
    pattern: /\b(AIza[0-9A-Za-z_-]{35})\b/g,
    group: 1,
  },
  {
    id: 'secret/jwt',
    title: 'JSON Web Token',
    severity: 'high',
    pattern: /\b(eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,})/g,
    group: 1,
  },
  {
    id: 'secret/password-in-url',
    title: 'password in a URL',
    severity: 'high',
    pattern: /\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@"'`]+:([^\s:/@"'`$]{3,})@[^\s"'`]+/gi,
    group: 1,
  },
];

export const ENTROPY_RULE = 'secret/high-entropy-string';

/** Shannon entropy in bits per character. */
export function shannonEntropy(s: string): number {
  if (!s) return 0;
  const counts = new Map<string, number>();
  for (const ch of s) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) {
    const p = n / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}

/** A name that suggests its value is a secret (`apiKey`, `DB_PASSWORD`, `client_secret`, `token`…). */
const SECRET_NAME =
  /(secret|passw(?:or)?d|passwd|pwd|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|credential|auth[_-]?(?:token|key|secret)|bearer)/i;
/** `name = "value"`, `name: 'value'`, `"name": "value"`, `NAME=value`. */
const ASSIGNMENT =
  /([A-Za-z_][A-Za-z0-9_.-]*)["']?\s*(?::|=|:=|=>)\s*["'`]([^"'`\s]{16,})["'`]|^\s*(?:export\s+)?([A-Z_][A-Z0-9_]*)=([^\s"'#]{16,})\s*$/g;
/** Any long quoted token of base64/hex characters (for values not assigned to a telling name). */
const QUOTED = /["'`]([A-Za-z0-9+/=_-]{32,})["'`]/g;

const HEX = /^[0-9a-f]+$/i;
const BASE64ISH = /^[A-Za-z0-9+/=_-]+$/;

/** Thresholds: hex strings carry at most 4 bits per character, base64 at most 6. */
function highEntropy(value: string, named: boolean): boolean {
  if (!BASE64ISH.test(value)) return false;
  if (!named && encodedText(value)) return false;
  // Identifiers, paths and words: a secret mixes classes of characters.
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/].filter((r) => r.test(value)).length;
  // Unnamed hex strings are mostly hashes and commit ids: only a secret-sounding name makes one a finding.
  if (HEX.test(value)) return named && value.length >= 20 && shannonEntropy(value) >= 3.0 && classes >= 2;
  if (classes < 3 && !named) return false;
  if (classes < 2) return false;
  // A named value needs a digit or a symbol, or real randomness: `auth: 'GithubAuthFailed'` is a word.
  if (named) return shannonEntropy(value) >= (/[0-9+/=_-]/.test(value) ? 3.5 : 4.0);
  return shannonEntropy(value) >= 4.3;
}

/** Base64 that decodes to text (encoded JSON, config, payloads) is data; a random key decodes to noise. */
function encodedText(value: string): boolean {
  if (value.length < 24 || !/^[A-Za-z0-9+/_-]+={0,2}$/.test(value)) return false;
  const bytes = Buffer.from(value.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  if (bytes.length === 0) return false;
  let printable = 0;
  for (const b of bytes) if ((b >= 0x20 && b < 0x7f) || b === 0x0a || b === 0x0d || b === 0x09) printable++;
  return printable / bytes.length >= 0.95;
}

/** Files whose long random-looking strings are checksums, not secrets. */
const ENTROPY_EXEMPT_FILES =
  /(^|\/)(package-lock\.json|npm-shrinkwrap\.json|yarn\.lock|pnpm-lock\.yaml|Cargo\.lock|go\.sum|poetry\.lock|Gemfile\.lock|composer\.lock)$|\.(svg|map|min\.js|snap)$/;
const ENTROPY_EXEMPT_LINE =
  /\b(integrity|sha1|sha256|sha512|checksum|hash|digest|nonce)\b|data:[a-z]+\/[a-z0-9.+-]+;base64,/i;
/** Passwords in URLs that stand for one: `***`, `<password>`, `${DB_PASSWORD}`, `%s`, `password`. */
const PLACEHOLDER =
  /^(\*+|x+|\.{3}|<[^>]*>|\$\{?\w+\}?|\{\{?\s*\w+\s*\}?\}|%[sd]|:\w+|password|passwd|pass|secret|changeme)$/i;
/** A line that asks not to be scanned (`# claude-flow: allow-secret`). */
const PRAGMA = /claude-flow:\s*allow-secret/;

export function fingerprint(secret: string): string {
  return createHash('sha256').update(secret).digest('hex').slice(0, 16);
}

/** The first four characters and the length: enough to find it, useless to abuse it. */
export function mask(secret: string): string {
  return `${secret.slice(0, 4)}…(${secret.length} chars)`;
}

// ---------------------------------------------------------------------------------------------
// Allowlist: `.claude-flow/secrets-allowlist`, one entry a line, `#` starts a comment.
//   fingerprint:<hex>    a finding's fingerprint (shown in its message), at least 8 hex digits
//   path:<glob>          every secret finding in matching files (`*` within a segment, `**` across)
//   line:<path>:<n>      one location
//   rule:<rule id>       a whole rule, e.g. rule:secret/high-entropy-string
//   <anything else>      the literal value (e.g. AWS's documented example key)
// ---------------------------------------------------------------------------------------------

export const DEFAULT_ALLOWLIST_FILE = '.claude-flow/secrets-allowlist';

export interface Allowlist {
  fingerprints: string[];
  paths: RegExp[];
  lines: Set<string>;
  rules: Set<string>;
  values: Set<string>;
  /** Lines that could not be understood, with why: reported, never silently ignored. */
  problems: string[];
}

export function emptyAllowlist(): Allowlist {
  return { fingerprints: [], paths: [], lines: new Set(), rules: new Set(), values: new Set(), problems: [] };
}

export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') {
      re += glob[i + 2] === '/' ? '(?:.*/)?' : '.*';
      i += glob[i + 2] === '/' ? 2 : 1;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

export function parseAllowlist(text: string, file = DEFAULT_ALLOWLIST_FILE): Allowlist {
  const list = emptyAllowlist();
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/\s+#.*$/, '').trim();
    if (!line || line.startsWith('#')) return;
    const m = /^(fingerprint|path|line|rule):(.*)$/.exec(line);
    if (!m) {
      list.values.add(line);
      return;
    }
    const [, kind, rest] = m;
    const value = rest.trim();
    if (kind === 'fingerprint') {
      if (/^[0-9a-f]{8,64}$/i.test(value)) list.fingerprints.push(value.toLowerCase());
      else list.problems.push(`${file}:${i + 1}: "${line}" is not a fingerprint (8 to 64 hex digits)`);
    } else if (kind === 'path') {
      if (value) list.paths.push(globToRegExp(value.replace(/^\.\//, '')));
      else list.problems.push(`${file}:${i + 1}: path: needs a glob, e.g. path:test/fixtures/**`);
    } else if (kind === 'line') {
      const lm = /^(.+):(\d+)$/.exec(value);
      if (lm) list.lines.add(`${lm[1].replace(/^\.\//, '')}:${Number(lm[2])}`);
      else list.problems.push(`${file}:${i + 1}: "${line}" must be line:<path>:<line number>`);
    } else if (value) list.rules.add(value);
    else list.problems.push(`${file}:${i + 1}: rule: needs a rule id, e.g. rule:${ENTROPY_RULE}`);
  });
  return list;
}

function allowed(list: Allowlist, rule: string, path: string, line: number, secret: string): boolean {
  if (list.rules.has(rule) || list.values.has(secret) || list.lines.has(`${path}:${line}`)) return true;
  if (list.paths.some((p) => p.test(path))) return true;
  const fp = fingerprint(secret);
  return list.fingerprints.some((f) => fp.startsWith(f));
}

export interface LineRef {
  /** 1-based line number in the file. */
  line: number;
  text: string;
}

/** Secret findings in `lines` of file `path` (all of a file, or a diff's added lines). */
export function scanSecrets(path: string, lines: LineRef[], allow: Allowlist = emptyAllowlist()): Finding[] {
  const findings: Finding[] = [];
  const entropyExempt = ENTROPY_EXEMPT_FILES.test(path);
  for (const { line, text } of lines) {
    if (text.length > 4000 || PRAGMA.test(text)) continue;
    const seen = new Set<string>();
    const add = (rule: string, title: string, severity: Severity, secret: string) => {
      if (seen.has(secret)) return;
      seen.add(secret);
      if (allowed(allow, rule, path, line, secret)) return;
      const fp = fingerprint(secret);
      findings.push({
        rule,
        severity,
        path,
        line,
        source: 'static',
        message: `Possible ${title} (${mask(secret)}, fingerprint ${fp}). Remove it and rotate it; if it is not a secret, add "fingerprint:${fp}" to ${DEFAULT_ALLOWLIST_FILE}.`,
      });
    };
    for (const rule of SECRET_RULES) {
      rule.pattern.lastIndex = 0;
      for (const m of text.matchAll(rule.pattern)) {
        const secret = m[rule.group ?? 0] ?? m[0];
        if (rule.id === 'secret/password-in-url' && PLACEHOLDER.test(secret)) continue;
        add(rule.id, rule.title, rule.severity, secret);
      }
    }
    if (entropyExempt || ENTROPY_EXEMPT_LINE.test(text)) continue;
    for (const m of text.matchAll(ASSIGNMENT)) {
      const name = m[1] ?? m[3];
      const value = m[2] ?? m[4];
      if (!value || seen.has(value)) continue;
      const named = SECRET_NAME.test(name);
      if (highEntropy(value, named) && (named || value.length >= 32)) {
        add(ENTROPY_RULE, `secret in ${name} (high-entropy string)`, named ? 'high' : 'medium', value);
      }
    }
    for (const m of text.matchAll(QUOTED)) {
      const value = m[1];
      if (seen.has(value) || [...seen].some((s) => s.includes(value) || value.includes(s))) continue;
      if (highEntropy(value, false)) add(ENTROPY_RULE, 'secret (high-entropy string)', 'medium', value);
    }
  }
  return findings;
}
