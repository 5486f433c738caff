// SARIF 2.1.0, the format GitHub code scanning reads: one run, the rules that fired, one result per
// finding with a physical location. Pure: unit-tested in test/unit/security-audit.test.ts.
import type { Finding, Severity } from '../../../workflows/contract/findings';

export const SARIF_SCHEMA =
  'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json';

export type SarifLevel = 'error' | 'warning' | 'note' | 'none';

export function sarifLevel(s: Severity): SarifLevel {
  return s === 'critical' || s === 'high' ? 'error' : s === 'medium' ? 'warning' : 'note';
}

/** GitHub ranks security alerts by this property (0.0-10.0). */
const SECURITY_SEVERITY: Record<Severity, string> = {
  critical: '9.5',
  high: '8.0',
  medium: '5.5',
  low: '3.0',
  info: '1.0',
};

/** What each rule family is, for the rule's description. */
const RULE_TEXT: [RegExp, string][] = [
  [/^secret\/high-entropy/, 'A high-entropy string that looks like a secret'],
  [/^secret\//, 'A credential committed to the repository'],
  [/^risky\/eval/, 'Dynamic code evaluation'],
  [/^risky\/shell/, 'A shell command built from variable input'],
  [/^risky\/sql/, 'SQL built by string concatenation or interpolation'],
  [/^risky\/tls/, 'TLS certificate verification disabled'],
  [/^npm-audit\//, 'A dependency with a known vulnerability'],
];

export interface SarifRun {
  tool: {
    driver: {
      name: string;
      version: string;
      rules: {
        id: string;
        name: string;
        shortDescription: { text: string };
        defaultConfiguration: { level: SarifLevel };
        properties: { tags: string[]; 'security-severity': string; precision: string };
      }[];
    };
  };
  originalUriBaseIds?: Record<string, { uri: string }>;
  results: {
    ruleId: string;
    ruleIndex: number;
    level: SarifLevel;
    message: { text: string };
    locations: {
      physicalLocation: { artifactLocation: { uri: string; uriBaseId: string }; region: { startLine: number } };
    }[];
    partialFingerprints: Record<string, string>;
    properties?: Record<string, unknown>;
  }[];
  invocations: {
    executionSuccessful: boolean;
    toolExecutionNotifications: { level: SarifLevel; message: { text: string } }[];
  }[];
}

export interface SarifLog {
  $schema: string;
  version: '2.1.0';
  runs: SarifRun[];
}

const toRuleName = (id: string) =>
  id
    .split(/[/_-]/)
    .filter(Boolean)
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join('');

/** A repository-relative path as a URI reference: forward slashes, each segment percent-encoded. */
export function pathUri(p: string): string {
  return p.split(/[\\/]/).filter(Boolean).map(encodeURIComponent).join('/');
}

/**
 * The SARIF log of one audit. `root` (absolute) becomes `%SRCROOT%`; every finding needs a path
 * (ones without are placed at `fallbackPath`, line 1). `notes` become tool notifications.
 */
export function buildSarif(input: {
  findings: (Finding & { triage?: string })[];
  root: string;
  version: string;
  notes?: string[];
  fallbackPath?: string;
}): SarifLog {
  const rules: SarifRun['tool']['driver']['rules'] = [];
  const ruleIndex = new Map<string, number>();
  const results: SarifRun['results'] = [];
  for (const f of input.findings) {
    let idx = ruleIndex.get(f.rule);
    if (idx === undefined) {
      idx = rules.length;
      ruleIndex.set(f.rule, idx);
      rules.push({
        id: f.rule,
        name: toRuleName(f.rule),
        shortDescription: { text: RULE_TEXT.find(([re]) => re.test(f.rule))?.[1] ?? f.rule },
        defaultConfiguration: { level: sarifLevel(f.severity) },
        properties: {
          tags: ['security', f.source],
          'security-severity': SECURITY_SEVERITY[f.severity],
          precision: f.rule.startsWith('secret/high-entropy') ? 'medium' : 'high',
        },
      });
    } else if (Number(SECURITY_SEVERITY[f.severity]) > Number(rules[idx].properties['security-severity'])) {
      // A rule's metadata carries its worst finding's severity.
      rules[idx].properties['security-severity'] = SECURITY_SEVERITY[f.severity];
      rules[idx].defaultConfiguration.level = sarifLevel(f.severity);
    }
    const where = f.path ?? input.fallbackPath ?? '.';
    const line = Math.max(1, f.line ?? 1);
    results.push({
      ruleId: f.rule,
      ruleIndex: idx,
      level: sarifLevel(f.severity),
      message: { text: f.triage ? `${f.message}\n\nAI triage: ${f.triage}` : f.message },
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: pathUri(where), uriBaseId: '%SRCROOT%' },
            region: { startLine: line },
          },
        },
      ],
      // Lets code scanning track an alert across runs even when lines move a little.
      partialFingerprints: { 'claudeFlow/v1': `${f.rule}:${where}:${f.message.slice(0, 80)}` },
      properties: { severity: f.severity, source: f.source },
    });
  }
  const root = input.root.endsWith('/') ? input.root : `${input.root}/`;
  return {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'Claude Flow securityAudit',
            version: input.version,
            rules,
          },
        },
        originalUriBaseIds: { '%SRCROOT%': { uri: `file://${root.split('/').map(encodeURIComponent).join('/')}` } },
        results,
        invocations: [
          {
            executionSuccessful: true,
            toolExecutionNotifications: (input.notes ?? []).map((text) => ({ level: 'note', message: { text } })),
          },
        ],
      },
    ],
  };
}
