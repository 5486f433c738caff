// The merged SARIF 2.1.0 log of one audit: one run whose driver is Claude Flow's securityAudit and
// whose extensions are the tools that ran (gitleaks, Semgrep, ESLint, Ruff, npm audit, our checks).
// Each result names its rule in the tool that found it (`rule.toolComponent`), every tool that
// found it (`properties.tools`), its classification (test, example) and, when the repository's
// baseline accepts it, a suppression with the reason and who accepted it. Pure: tested in
// test/unit/merged-sarif.test.ts against the official schema.
import {
  CODE_SCANNING_CATEGORY,
  CODE_SCANNING_TOOL,
  type AnalysisResult,
  type ToolRun,
} from '../../../workflows/contract/analysis';
import type { Severity } from '../../../workflows/contract/findings';
import { SARIF_SCHEMA, pathUri, sarifLevel, type SarifLevel } from './sarif';

const SECURITY_SEVERITY: Record<Severity, string> = {
  critical: '9.5',
  high: '8.0',
  medium: '5.5',
  low: '3.0',
  info: '1.0',
};

export interface MergedRule {
  id: string;
  name: string;
  shortDescription: { text: string };
  helpUri?: string;
  defaultConfiguration: { level: SarifLevel };
  properties: { tags: string[]; 'security-severity': string; precision: string };
}

export interface ToolComponent {
  name: string;
  version?: string;
  informationUri?: string;
  rules: MergedRule[];
}

export interface MergedResult {
  ruleId: string;
  rule: { id: string; index: number; toolComponent: { index: number } };
  level: SarifLevel;
  message: { text: string };
  locations: {
    physicalLocation: {
      artifactLocation: { uri: string; uriBaseId: string };
      region: { startLine: number; endLine?: number; startColumn?: number };
    };
  }[];
  partialFingerprints: Record<string, string>;
  suppressions?: { kind: 'external'; status: 'accepted'; justification: string }[];
  properties: {
    tool: string;
    tools: string[];
    severity: Severity;
    classification?: string;
    originalSeverity?: Severity;
    triage?: string;
  };
}

export interface MergedSarifLog {
  $schema: string;
  version: '2.1.0';
  runs: {
    tool: { driver: ToolComponent; extensions: ToolComponent[] };
    automationDetails: { id: string };
    originalUriBaseIds: Record<string, { uri: string }>;
    results: MergedResult[];
    invocations: {
      executionSuccessful: boolean;
      toolExecutionNotifications: { level: SarifLevel; message: { text: string } }[];
    }[];
  }[];
}

const toRuleName = (id: string) =>
  id
    .split(/[/_.-]/)
    .filter(Boolean)
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join('');

/** The tool key of a result's rule id (`gitleaks/x` → gitleaks; our own `secret/…`, `risky/…` → claude-flow). */
const ruleOfTool = (r: AnalysisResult) => (r.rule.startsWith(`${r.tool}/`) ? r.rule.slice(r.tool.length + 1) : r.rule);

/**
 * `results` are merged (mergeAnalyses), each attributed to the first tool in `tools`. `root` is an
 * absolute URI base for %SRCROOT% (file:// for a local repository, the commit's web URL for a
 * remote one); `runId` makes the automation id unique per audit within the category.
 */
export function buildMergedSarif(input: {
  tools: ToolRun[];
  results: (AnalysisResult & { triage?: string })[];
  version: string;
  root: string;
  runId: string;
  notes?: string[];
}): MergedSarifLog {
  const components = new Map<string, ToolComponent>();
  const componentIndex = new Map<string, number>();
  for (const t of input.tools) {
    if (componentIndex.has(t.key)) continue;
    componentIndex.set(t.key, components.size);
    components.set(t.key, {
      name: t.info.name,
      ...(t.info.version ? { version: t.info.version } : {}),
      ...(t.info.informationUri ? { informationUri: t.info.informationUri } : {}),
      rules: [],
    });
  }
  const ruleIndex = new Map<string, number>();
  const results: MergedResult[] = [];
  for (const r of input.results) {
    const key = r.tools?.[0] ?? r.tool;
    let ci = componentIndex.get(key);
    if (ci === undefined) {
      ci = components.size;
      componentIndex.set(key, ci);
      components.set(key, { name: key, rules: [] });
    }
    const component = [...components.values()][ci];
    const id = ruleOfTool({ ...r, tool: key });
    let ri = ruleIndex.get(`${key}\0${id}`);
    const severity = r.originalSeverity ?? r.severity;
    if (ri === undefined) {
      ri = component.rules.length;
      ruleIndex.set(`${key}\0${id}`, ri);
      const info = input.tools.find((t) => t.key === key)?.rules.find((x) => x.id === id);
      component.rules.push({
        id,
        name: toRuleName(id),
        shortDescription: { text: (info?.description ?? r.message).slice(0, 1000) },
        ...(info?.helpUri ? { helpUri: info.helpUri } : {}),
        defaultConfiguration: { level: sarifLevel(severity) },
        properties: {
          tags: [...new Set(['security', ...(info?.tags ?? [])])],
          'security-severity': SECURITY_SEVERITY[severity],
          precision: /generic|entropy/.test(id) ? 'medium' : 'high',
        },
      });
    } else if (Number(SECURITY_SEVERITY[severity]) > Number(component.rules[ri].properties['security-severity'])) {
      component.rules[ri].properties['security-severity'] = SECURITY_SEVERITY[severity];
      component.rules[ri].defaultConfiguration.level = sarifLevel(severity);
    }
    const where = r.path ?? '.';
    const tools = r.tools ?? [r.tool];
    const note = r.classification ? ` (in ${r.classification === 'test' ? 'a test or fixture' : 'an example'})` : '';
    results.push({
      ruleId: id,
      rule: { id, index: ri, toolComponent: { index: ci } },
      level: sarifLevel(r.severity),
      message: { text: `${r.message}${note}${r.triage ? `\n\nAI triage: ${r.triage}` : ''}` },
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: pathUri(where), uriBaseId: '%SRCROOT%' },
            region: {
              startLine: Math.max(1, r.line ?? 1),
              ...(r.endLine && r.endLine >= (r.line ?? 1) ? { endLine: r.endLine } : {}),
              ...(r.column ? { startColumn: r.column } : {}),
            },
          },
        },
      ],
      partialFingerprints: { 'claudeFlowFingerprint/v1': r.fingerprint },
      ...(r.suppression
        ? {
            suppressions: [
              {
                kind: 'external' as const,
                status: 'accepted' as const,
                justification: `${r.suppression.reason} (accepted by ${r.suppression.acceptedBy})`,
              },
            ],
          }
        : {}),
      properties: {
        tool: key,
        tools,
        severity: r.severity,
        ...(r.classification ? { classification: r.classification } : {}),
        ...(r.originalSeverity ? { originalSeverity: r.originalSeverity } : {}),
        ...(r.triage ? { triage: r.triage } : {}),
      },
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
            name: CODE_SCANNING_TOOL,
            version: input.version,
            rules: [],
          },
          extensions: [...components.values()],
        },
        automationDetails: { id: `${CODE_SCANNING_CATEGORY}${input.runId}` },
        originalUriBaseIds: { '%SRCROOT%': { uri: root } },
        results,
        invocations: [
          {
            executionSuccessful: true,
            toolExecutionNotifications: [
              ...input.tools
                .filter((t) => t.status !== 'ran')
                .map((t) => ({
                  level: 'warning' as const,
                  message: { text: `${t.info.name} ${t.status}: ${t.reason ?? 'no reason given'}` },
                })),
              ...(input.notes ?? []).map((text) => ({ level: 'note' as const, message: { text } })),
            ],
          },
        ],
      },
    ],
  };
}

/** A file:// URI for an absolute folder, each segment percent-encoded. */
export function fileUri(dir: string): string {
  return `file://${dir.split('/').map(encodeURIComponent).join('/')}`;
}
