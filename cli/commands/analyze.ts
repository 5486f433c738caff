// claude-flow analyze <path | owner/repo#pr | owner/repo@ref>: code review and security audit in one
// go. Starts both workflows (a ref gets the security audit only: code review takes a pull request
// or a path), follows them, writes a report (Markdown, or JSON for a .json file) and prints a summary.
// Result shapes are read tolerantly: findings are collected from any `findings` array in a result.
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { BASE } from '../client';
import { action, type Ctx } from '../context';
import { topicOf } from '../../workflows/contract/analysis';
import { UsageError } from '../errors';
import { truncate } from '../output';
import { printRun, watchRun, type Run } from './workflows';

const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const;
type Severity = (typeof SEVERITIES)[number];

interface Finding {
  rule?: string;
  severity?: string;
  message?: string;
  path?: string;
  line?: number;
  source?: string;
}

export type Target =
  | { kind: 'path'; path: string }
  | { kind: 'pr'; repo: string; pullRequest: number }
  | { kind: 'ref'; repo: string; ref: string };

export function parseTarget(arg: string): Target {
  const pr = /^([\w.-]+\/[\w.-]+)#(\d+)$/.exec(arg);
  if (pr) return { kind: 'pr', repo: pr[1], pullRequest: Number(pr[2]) };
  const ref = /^([\w.-]+\/[\w.-]+)@([^\s@]+)$/.exec(arg);
  if (ref) return { kind: 'ref', repo: ref[1], ref: ref[2] };
  const abs = path.resolve(arg);
  if (!fs.existsSync(abs)) {
    throw new UsageError(
      `${arg} is neither a directory, owner/repo#<pull request number> (e.g. acme/api#42) nor owner/repo@<branch, tag or sha> (e.g. acme/api@main)`,
    );
  }
  if (!fs.statSync(abs).isDirectory()) throw new UsageError(`${arg} is a file: give the project directory`);
  return { kind: 'path', path: abs };
}

/** Every object in any `findings` array inside `v`. */
export function collectFindings(v: unknown, out: Finding[] = [], depth = 0): Finding[] {
  if (depth > 6 || v === null || typeof v !== 'object') return out;
  if (Array.isArray(v)) {
    for (const x of v) collectFindings(x, out, depth + 1);
    return out;
  }
  for (const [k, x] of Object.entries(v)) {
    if (k === 'findings' && Array.isArray(x))
      out.push(...x.filter((f): f is Finding => typeof f === 'object' && f !== null));
    else if (typeof x === 'object') collectFindings(x, out, depth + 1);
  }
  return out;
}

/**
 * One finding per place and topic: the review and the audit both scan for secrets and risky code,
 * with different tools (the same key is `secret/…` in one and `gitleaks/…` in the other).
 */
export function dedupeFindings(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const key = `${topicOf({ rule: f.rule ?? '' })}|${f.path ?? ''}|${f.line ?? ''}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function summaryOf(run: Run | undefined): string {
  const s = (run?.result as { summary?: unknown } | undefined)?.summary;
  if (typeof s === 'string') return s;
  if (s && typeof s === 'object') {
    const text = (s as { text?: unknown }).text;
    if (typeof text === 'string') return text;
    return JSON.stringify(s);
  }
  return '';
}

const rank = (s: string | undefined) => {
  const i = SEVERITIES.indexOf((s ?? 'info') as Severity);
  return i < 0 ? SEVERITIES.length : i;
};

interface Part {
  type: string;
  input: unknown;
  workflowId?: string;
  run?: Run;
  findings: Finding[];
  error?: string;
}

function markdown(target: string, parts: Part[], counts: Record<string, number>): string {
  const lines = [`# Claude Flow analysis of ${target}`, '', `Generated ${new Date().toISOString()}.`, ''];
  lines.push(`Findings: ${SEVERITIES.map((s) => `${counts[s] ?? 0} ${s}`).join(', ')}.`, '');
  for (const p of parts) {
    lines.push(`## ${p.type}${p.workflowId ? ` (${p.workflowId})` : ''}`, '');
    if (p.error) {
      lines.push(`Not run: ${p.error}`, '');
      continue;
    }
    lines.push(`Status: **${p.run?.status ?? 'unknown'}**`, '');
    for (const s of p.run?.progress?.steps ?? [])
      lines.push(`- ${s.name}: ${s.status}${s.detail ? ` — ${s.detail}` : ''}`);
    if (p.run?.progress?.steps.length) lines.push('');
    const summary = summaryOf(p.run);
    if (summary) lines.push(summary, '');
    if (p.run?.failure) lines.push(`Failure: ${JSON.stringify(p.run.failure)}`, '');
    if (p.findings.length) {
      lines.push('| Severity | Rule | Where | Message |', '|---|---|---|---|');
      for (const f of p.findings) {
        const where = f.path ? `${f.path}${f.line ? `:${f.line}` : ''}` : '';
        const cell = (s: unknown) =>
          String(s ?? '')
            .replace(/\|/g, '\\|')
            .replace(/\n/g, ' ');
        lines.push(`| ${cell(f.severity)} | ${cell(f.rule)} | ${cell(where)} | ${cell(f.message)} |`);
      }
      lines.push('');
    }
  }
  return lines.join('\n');
}

export function registerAnalyze(program: Command): void {
  program
    .command('analyze')
    .description('Code review and security audit in one go; writes a report and prints a summary')
    .argument('<target>', 'a project directory, owner/repo#<pull request>, or owner/repo@<ref> (security audit only)')
    .option('-o, --output <file>', 'the report (.md, or .json for JSON)', 'claude-flow-report.md')
    .option('--fail-on <severity>', 'exit 1 when a finding is at least this severe (critical, high, medium, low)')
    .action(
      action(async (ctx: Ctx, arg: string, o) => {
        const { api, out } = ctx;
        if (o.failOn && !SEVERITIES.includes(o.failOn))
          throw new UsageError(`--fail-on must be one of ${SEVERITIES.join(', ')}`);
        const target = parseTarget(arg);
        const types = await api.get<{
          types: { type: string; inputSchema?: { properties?: Record<string, unknown> } }[];
        }>(`${BASE}/workflows/types`);
        const known = new Map(types.types.map((t) => [t.type, Object.keys(t.inputSchema?.properties ?? {})]));
        const inputFor = (type: string): unknown => {
          const fields = known.get(type) ?? [];
          if (target.kind === 'path') return { path: target.path };
          if (!fields.includes('repo')) return undefined;
          // The security audit fetches a ref; a pull request is its head ref.
          if (fields.includes('ref')) {
            return {
              repo: target.repo,
              ref: target.kind === 'ref' ? target.ref : `refs/pull/${target.pullRequest}/head`,
            };
          }
          return target.kind === 'pr' ? { repo: target.repo, pullRequest: target.pullRequest } : undefined;
        };
        const parts: Part[] = ['codeReview', 'securityAudit'].map((type) => {
          const input = known.has(type) ? inputFor(type) : undefined;
          const error = !known.has(type)
            ? `this API has no ${type} workflow`
            : input === undefined
              ? `${type} takes a local path${target.kind === 'ref' ? ' or a pull request, not a ref' : ', not a pull request'}`
              : undefined;
          return { type, input, findings: [], error };
        });
        if (parts.every((p) => p.error)) throw new UsageError(parts.map((p) => p.error).join('; '));
        await Promise.all(
          parts
            .filter((p) => !p.error)
            .map(async (p) => {
              const started = await api.post<{ workflowId: string }>(`${BASE}/workflows`, {
                type: p.type,
                input: p.input,
              });
              p.workflowId = started.workflowId;
            }),
        );
        out.note(out.dim(`started ${parts.flatMap((p) => p.workflowId ?? []).join(', ')}`));
        await out.spin(`analyzing ${arg}`, () =>
          Promise.all(
            parts
              .filter((p) => p.workflowId)
              .map(async (p) => {
                p.run = await watchRun(ctx, p.workflowId as string, { quiet: true });
                p.findings = collectFindings(p.run.result).sort((a, b) => rank(a.severity) - rank(b.severity));
              }),
          ),
        );
        const all = dedupeFindings(
          parts.flatMap((p) => p.findings).sort((a, b) => rank(a.severity) - rank(b.severity)),
        );
        const counts: Record<string, number> = {};
        for (const f of all) counts[f.severity ?? 'info'] = (counts[f.severity ?? 'info'] ?? 0) + 1;
        const doc = {
          target: arg,
          report: path.resolve(o.output),
          counts,
          findings: all,
          workflows: parts.map((p) => ({
            type: p.type,
            workflowId: p.workflowId,
            status: p.run?.status ?? 'not run',
            error: p.error,
            summary: summaryOf(p.run) || undefined,
            findings: p.findings,
            failure: p.run?.failure,
          })),
        };
        fs.writeFileSync(
          o.output,
          o.output.endsWith('.json') ? `${JSON.stringify(doc, null, 2)}\n` : markdown(arg, parts, counts),
        );
        out.result(doc, () => {
          for (const p of parts) {
            out.line(
              out.bold(`${p.type}: `) +
                (p.error ? out.yellow(`not run (${p.error})`) : out.status(p.run?.status ?? '')),
            );
            const summary = summaryOf(p.run);
            if (summary) out.line(`  ${truncate(summary, 200)}`);
            if (p.run && p.run.status !== 'completed') printRun(ctx, { ...p.run, result: undefined });
          }
          out.line();
          out.line(`findings: ${SEVERITIES.map((s) => `${counts[s] ?? 0} ${s}`).join(', ')}`);
          out.table(
            ['SEVERITY', 'RULE', 'WHERE', 'MESSAGE'],
            all
              .slice(0, 15)
              .map((f) => [
                out.status(f.severity ?? ''),
                f.rule,
                f.path ? `${f.path}${f.line ? `:${f.line}` : ''}` : '',
                truncate(f.message, 70),
              ]),
            'no findings',
          );
          if (all.length > 15) out.line(out.dim(`… and ${all.length - 15} more in the report`));
          out.line(`report: ${doc.report}`);
        });
        const failed = parts.some((p) => p.run && p.run.status !== 'completed');
        const tooSevere = o.failOn && parts.some((p) => p.findings.some((f) => rank(f.severity) <= rank(o.failOn)));
        if (failed || tooSevere) process.exitCode = 1;
      }),
    );
}
