// The one checker's structured answer (checkDefinition) and the outline a designer draws from:
// positions cover the node at fault, the loader's messages are the same problems, and for every
// template and example the outline holds every step (with its nesting) and every step reference.
import fs from 'node:fs';
import path from 'node:path';
import {
  checkDefinition,
  type CustomStep,
  type DefinitionError,
  parseDefinition,
  summarizeDefinition,
} from '../../lib/custom-workflows';
import { outlineOf, type OutlineStep } from '../../lib/custom-workflows/outline';
import { TEMPLATES_DIR } from '../../lib/custom-workflows/templates';

const options = { shellAllowlist: ['git', 'npm', 'ls', 'echo', 'grep'], workflowTypes: ['custom', 'systemCheck'] };
const files = [
  ...fs.readdirSync(TEMPLATES_DIR).map((f) => path.join(TEMPLATES_DIR, f)),
  path.join(__dirname, '../../.claude-flow/workflows/example.yaml'),
];

function ids(steps: CustomStep[], out: string[] = []): string[] {
  for (const s of steps) {
    out.push(s.id);
    if (s.kind === 'condition') ids([...s.condition.then, ...s.condition.else], out);
    else if (s.kind === 'parallel') s.parallel.branches.forEach((b) => ids(b, out));
    else if (s.kind === 'loop') ids(s.loop.steps, out);
  }
  return out;
}
function outlineIds(steps: OutlineStep[], out: string[] = []): string[] {
  for (const s of steps) {
    if (s.id) out.push(s.id);
    for (const g of s.groups ?? []) outlineIds(g.steps as OutlineStep[], out);
  }
  return out;
}

test.each(files.map((f) => [path.basename(f), f]))(
  '%s: valid, and its outline has every step and reference',
  (_n, f) => {
    const text = fs.readFileSync(f, 'utf8');
    const check = checkDefinition(text, 'x', options);
    expect(check.problems).toEqual([]);
    const def = check.definition as NonNullable<typeof check.definition>;
    const outline = outlineOf(check.doc!, check.lineCounter!, text, check.raw);
    expect(outlineIds(outline.steps)).toEqual(ids(def.steps));
    // Each reference's span is the `steps.<id>` text itself.
    const lines = text.split('\n');
    const written = [...text.matchAll(/steps\.([A-Za-z_][A-Za-z0-9_]*)/g)].filter((m) => {
      const line = text.slice(0, m.index).split('\n').length - 1;
      return !lines[line].trimStart().startsWith('#');
    });
    expect(outline.refs.map((r) => r.to).sort()).toEqual(written.map((m) => m[1]).sort());
    for (const r of outline.refs) {
      expect(lines[r.line - 1].slice(r.col - 1, r.endCol - 1)).toBe(`steps.${r.to}`);
    }
  },
);

test("a problem's range is its node, and the loader reports the same problems", () => {
  const text = 'steps:\n  - id: a\n    http: { url: 42, method: FETCH }\n  - id: a\n    shell: { command: echo }\n';
  const check = checkDefinition(text, 'x', options);
  expect(check.definition).toBeUndefined();
  const lines = text.split('\n');
  const at = (p: { line: number; col: number; endLine: number; endCol: number }) =>
    p.line === p.endLine ? lines[p.line - 1].slice(p.col - 1, p.endCol - 1) : undefined;
  const byPath = Object.fromEntries(check.problems.map((p) => [p.path, at(p)]));
  expect(byPath).toMatchObject({ 'steps[0].http.url': '42', 'steps[0].http.method': 'FETCH', 'steps[1].id': 'a' });
  let refused: string[] = [];
  try {
    parseDefinition(text, 'x.yaml', 'x', options);
  } catch (err) {
    refused = (err as DefinitionError).problems;
  }
  expect(refused).toEqual(check.problems.map((p) => `x.yaml:${p.line}:${p.col} ${p.path}: ${p.message}`));
});

test('an outline is drawn for a draft with problems, and none for text that is not YAML', () => {
  const draft =
    'steps:\n  - id: a\n    loop: { over: [1], steps: [{ id: b, shell: { command: echo } }] }\n  - id: 9x\n';
  const check = checkDefinition(draft, 'x', options);
  expect(check.problems.length).toBeGreaterThan(0);
  const outline = outlineOf(check.doc!, check.lineCounter!, draft, check.raw);
  expect(outline.steps.map((s) => [s.id, s.kind])).toEqual([
    ['a', 'loop'],
    ['9x', undefined],
  ]);
  expect(outline.steps[0].groups?.[0]).toMatchObject({ label: 'steps', path: 'steps[0].loop.steps' });
  const broken = checkDefinition('steps: [\n', 'x', options);
  expect(broken.raw).toBeUndefined();
  expect(broken.problems[0]).toMatchObject({ source: 'yaml', severity: 'error' });
});

test("a definition's summary is the checker's answer, remembered per text, name and options", () => {
  const text = fs.readFileSync(files[0], 'utf8');
  const check = checkDefinition(text, 'one', options);
  const summary = summarizeDefinition(text, 'one', options);
  expect(summary.problems).toEqual(check.problems);
  expect(summary.steps).toBe((check.raw as { steps: unknown[] }).steps.length);
  expect(summarizeDefinition(text, 'one', options)).toBe(summary);
  // Another name, other options or another text is checked anew.
  expect(summarizeDefinition(text, 'two', options)).not.toBe(summary);
  const none = summarizeDefinition(text, 'one', { ...options, shellAllowlist: [] });
  expect(none).not.toBe(summary);
  expect(none.problems.length).toBeGreaterThanOrEqual(summary.problems.length);
  const broken = summarizeDefinition(`${text}\n  - id: [`, 'one', options);
  expect(broken.problems.length).toBeGreaterThan(0);
});
