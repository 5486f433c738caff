// Risky-code patterns shared by codeReview and securityAudit: dynamic code evaluation, shell
// commands built from input, SQL built by string concatenation, disabled TLS verification. Line
// patterns: cheap, language-agnostic enough for JavaScript/TypeScript, Python, Go, Ruby, PHP and
// shell, and precise about where.
import type { Finding, Severity } from '../../../workflows/contract/findings';
import type { LineRef } from './secrets';

export interface RiskyRule {
  id: string;
  severity: Severity;
  message: string;
  patterns: RegExp[];
  /** Only files whose path matches (default: every source file). */
  files?: RegExp;
  /** A matching line this returns true for is not a finding. */
  unless?: (line: string) => boolean;
}

/**
 * SQL assembled only from constants (`${COLUMNS}`, `' AND ' + LIVE`): upper-case names are the
 * convention for constants, and text built from them alone cannot carry input.
 */
export function onlyConstantsInterpolated(line: string): boolean {
  const parts = [
    ...[...line.matchAll(/\$\{([^}]*)\}/g)].map((m) => m[1].trim()),
    ...[...line.matchAll(/["'\x60]\s*\+\s*([\w$.]+)/g)].map((m) => m[1]),
    ...[...line.matchAll(/([\w$.]+)\s*\+\s*["'\x60]/g)].map((m) => m[1]),
  ];
  return parts.length > 0 && parts.every((p) => /^[A-Z][A-Z0-9_]*$/.test(p));
}

const JS = /\.(c|m)?(j|t)sx?$/i;
const PY = /\.py$/i;
const CODE = /\.(c|m)?(j|t)sx?$|\.(py|rb|php|go|java|kt|cs|rs|sh|bash|zsh|pl|lua|swift|scala)$/i;

/** A string literal that is built: concatenation or interpolation. */
const BUILT = String.raw`(?:["'][^"']*["']\s*\+|\+\s*["']|\x60[^\x60]*\$\{|f["'][^"']*\{|%\s*[(\w]|\.format\()`;
const SQL = String.raw`(?:SELECT\s+[\w*,\s.]+\s+FROM|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|DROP\s+TABLE|WHERE\s+\w+\s*=)`;

export const RISKY_RULES: RiskyRule[] = [
  {
    id: 'risky/eval',
    severity: 'high',
    message:
      'Dynamic code evaluation (eval / new Function / a string passed to setTimeout): anything reaching it runs as code; parse the data instead.',
    patterns: [
      /(?<![\w.$])eval\s*\(/,
      /\bnew\s+Function\s*\(/,
      /\bset(?:Timeout|Interval)\s*\(\s*["'`]/,
      /\bvm\.runIn(?:New|This)?Context\s*\(/,
    ],
    files: JS,
  },
  {
    id: 'risky/eval',
    severity: 'high',
    message: 'Dynamic code evaluation (eval/exec): anything reaching it runs as code; parse the data instead.',
    patterns: [
      /(?<![\w.])(?:eval|exec)\s*\((?!\s*\))/,
      /\bpickle\.loads?\s*\(/,
      /\byaml\.load\s*\((?![^)]*SafeLoader)/,
    ],
    files: PY,
  },
  {
    id: 'risky/shell-command',
    severity: 'high',
    message:
      'Shell command built from a string that includes variables: input can inject commands. Pass arguments as an array (execFile/spawn without a shell) or quote them.',
    patterns: [
      // `exec(cmd)` and `child_process.exec(…)`, not `regex.exec(text)`.
      new RegExp(
        String.raw`(?:(?<![.\w$])|\b(?:child_process|childProcess|cp)\.)(?:exec|execSync)\s*\(\s*(?:${BUILT}|[A-Za-z_$][\w$.]*\s*[,)])`,
      ),
      new RegExp(String.raw`\bspawn(?:Sync)?\s*\([^)]*shell\s*:\s*true`),
    ],
    files: JS,
  },
  {
    id: 'risky/shell-command',
    severity: 'high',
    message:
      'Shell command built from a string that includes variables: input can inject commands. Pass a list of arguments without shell=True.',
    patterns: [
      /\bsubprocess\.\w+\([^)]*shell\s*=\s*True/,
      new RegExp(String.raw`\bos\.(?:system|popen)\s*\(\s*(?:${BUILT}|[A-Za-z_][\w.]*\s*\))`),
    ],
    files: PY,
  },
  {
    id: 'risky/sql-concatenation',
    severity: 'high',
    message:
      'SQL built by string concatenation or interpolation: input can inject SQL. Use query parameters ($1, ?, %s with a parameter list).',
    patterns: [
      new RegExp(String.raw`["'\x60]\s*${SQL}[^"'\x60]*["']\s*\+`, 'i'),
      new RegExp(String.raw`\x60[^\x60]*${SQL}[^\x60]*\$\{`, 'i'),
      new RegExp(String.raw`\bf["'][^"']*${SQL}[^"']*\{`, 'i'),
      new RegExp(String.raw`["']\s*${SQL}[^"']*["']\s*(?:%\s*[(\w]|\.format\()`, 'i'),
    ],
    files: CODE,
    unless: onlyConstantsInterpolated,
  },
  {
    id: 'risky/tls-verification-disabled',
    severity: 'high',
    message: 'TLS certificate verification is disabled: connections can be intercepted. Trust the right CA instead.',
    patterns: [
      /rejectUnauthorized\s*:\s*false/,
      /NODE_TLS_REJECT_UNAUTHORIZED\s*=\s*["']?0/,
      /\bverify\s*=\s*False\b/,
      /InsecureSkipVerify\s*:\s*true/,
      /\bstrictSSL\s*[:=]\s*false/,
      /\bssl\._create_unverified_context\b/,
      /CURLOPT_SSL_VERIFYPEER\s*,\s*(?:false|0)/i,
      /(?:^|[\s;|&])curl\s[^#\n]*(?:\s-k\b|--insecure\b)/,
    ],
  },
];

/** A line that asks not to be flagged (`// claude-flow: allow-risky`). */
const PRAGMA = /claude-flow:\s*allow-risky/;
/** Comment-only lines are prose about code, not code. */
const COMMENT_LINE = /^\s*(?:\/\/|#(?!!)|\*|\/\*|--)/;

export function scanRisky(path: string, lines: LineRef[]): Finding[] {
  const rules = RISKY_RULES.filter((r) =>
    r.files
      ? r.files.test(path)
      : CODE.test(path) || /(^|\/)(Dockerfile|Makefile)$|\.(ya?ml|env|conf|ini|toml)$/i.test(path),
  );
  if (rules.length === 0) return [];
  const findings: Finding[] = [];
  for (const { line, text } of lines) {
    if (text.length > 2000 || PRAGMA.test(text) || COMMENT_LINE.test(text)) continue;
    const hit = new Set<string>();
    for (const rule of rules) {
      if (hit.has(rule.id)) continue;
      if (rule.patterns.some((p) => p.test(text)) && !rule.unless?.(text)) {
        hit.add(rule.id);
        findings.push({ rule: rule.id, severity: rule.severity, path, line, source: 'static', message: rule.message });
      }
    }
  }
  return findings;
}
