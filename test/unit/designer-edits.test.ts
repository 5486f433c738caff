// The designer's document model and visual edits (web/src/designer): for every definition under
// .claude-flow/ the text reads as the graph the server's validator sees, edits round-trip to the
// same bytes, and each edit changes only the lines it touches (comments and formatting elsewhere
// stay byte-identical); the edited text is still accepted by the server's own validator.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { DefinitionError, loadDefinition, parseDefinition } from '../../lib/custom-workflows';
import type { CustomStep } from '../../workflows/contract/custom-types';
import { WORKFLOW_TYPE_NAMES } from '../../workflows/contract/inputs';
import { STEP_KINDS, type StepKind } from '../../workflows/contract/custom-types';
import {
  addBranch,
  addStep,
  applyChanges,
  deleteStep,
  duplicateStep,
  EditError,
  moveStep,
  readStep,
  removeField,
  renameStep,
  setField,
  STEP_TEMPLATES,
  stepRange,
  unwrapStep,
  whereOnEdge,
  wrapSteps,
  type EditResult,
} from '../../web/src/designer/edits';
import { sampleDefinition } from '../helpers/designer-sample';
import { buildModel, OUTPUTS_KEY, shape, stepAt, subtree } from '../../web/src/designer/model';

const ROOT = path.join(__dirname, '../..');
/** What runs check definitions against by default: the default shell allowlist, the catalog's types. */
const OPTIONS = {
  shellAllowlist: ['git', 'npm', 'node', 'ls', 'cat', 'echo', 'grep'],
  workflowTypes: WORKFLOW_TYPE_NAMES,
};

/** Every *.yaml under `dir`, in sub-folders too. */
function definitions(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) =>
      e.isDirectory() ? definitions(path.join(dir, e.name)) : /\.ya?ml$/.test(e.name) ? [path.join(dir, e.name)] : [],
    )
    .sort();
}
const FILES = [
  // The templates new definitions start from, wherever they are shipped.
  ...[path.join(ROOT, '.claude-flow'), path.join(ROOT, 'lib/custom-workflows/templates'), path.join(ROOT, 'templates')]
    .flatMap((d) => definitions(d))
    .map((f) => [path.relative(ROOT, f), fs.readFileSync(f, 'utf8')] as const),
  // And a generated one with every group form (parallel steps and branches, condition else, loops).
  ['a generated 40-step definition', sampleDefinition(40)] as const,
];
const EXAMPLE = fs.readFileSync(path.join(ROOT, '.claude-flow/workflows/example.yaml'), 'utf8');

function validate(text: string) {
  try {
    return parseDefinition(text, 'test.yaml', 'test', OPTIONS);
  } catch (err) {
    if (err instanceof DefinitionError) throw new Error(`rejected:\n${err.problems.join('\n')}\n---\n${text}`);
    throw err;
  }
}

function serverSteps(steps: CustomStep[], out: { id: string; kind: string }[] = []) {
  for (const s of steps) {
    out.push({ id: s.id, kind: s.kind });
    if (s.kind === 'parallel') for (const b of s.parallel.branches) serverSteps(b, out);
    if (s.kind === 'condition') serverSteps([...s.condition.then, ...s.condition.else], out);
    if (s.kind === 'loop') serverSteps(s.loop.steps, out);
  }
  return out;
}

const lines = (t: string) => t.split('\n');
const lineOf = (t: string, off: number) => t.slice(0, off).split('\n').length;

/**
 * The edit's text is its changes applied, and a line diff of old and new differs only on the lines
 * the changes touch: every other line, comments included, is byte-identical and in place.
 */
function expectLocal(old: string, r: EditResult) {
  expect(applyChanges(old, r.changes)).toBe(r.text);
  const a = lines(old);
  const b = lines(r.text);
  let p = 0;
  while (p < a.length && p < b.length && a[p] === b[p]) p++;
  let s = 0;
  while (s < a.length - p && s < b.length - p && a[a.length - 1 - s] === b[b.length - 1 - s]) s++;
  if (r.changes.length === 0) {
    expect(r.text).toBe(old);
    return;
  }
  const first = Math.min(...r.changes.map((c) => lineOf(old, c.from)));
  const last = Math.max(...r.changes.map((c) => lineOf(old, c.to)));
  // Old lines p+1 .. a.length-s differ (1-based): they must lie inside what the changes touch.
  if (p < a.length - s) {
    expect(p + 1).toBeGreaterThanOrEqual(first);
    expect(a.length - s).toBeLessThanOrEqual(last);
  }
  // Between changes, the text is untouched: every comment outside the changed spans survives.
  const sorted = [...r.changes].sort((x, y) => x.from - y.from);
  let at = 0;
  for (const c of sorted) {
    const kept = old.slice(at, c.from);
    expect(r.text.includes(kept)).toBe(true);
    at = c.to;
  }
  let start = 0;
  for (const line of a) {
    const end = start + line.length;
    const touched = sorted.some((c) => c.from <= end && c.to >= start);
    if (/#/.test(line) && !touched) expect(r.text).toContain(line);
    start = end + 1;
  }
  // And it is still YAML.
  expect(buildModel(r.text).errors).toEqual([]);
}

describe.each(FILES)('%s', (_file, text) => {
  const model = buildModel(text);

  test('reads as the graph the server validates: every step, its kind, no dangling reference', () => {
    expect(model.errors).toEqual([]);
    const def = validate(text);
    const steps = serverSteps(def.steps);
    expect(model.nodes.map((n) => ({ id: n.id, kind: n.kind }))).toEqual(steps);
    expect(model.dangling).toEqual([]);
    // Every node's text range starts at its `id:` map and the node under its first line is itself.
    for (const n of model.nodes) {
      expect(stepAt(model, n.from)?.key).toBe(n.key);
      expect(stepAt(model, n.start)?.key).toBe(n.key);
      if (!n.lists) expect(stepAt(model, n.to)?.key).toBe(n.key);
      expect(text.slice(n.from, n.to)).toMatch(/^id:|^[a-z]+:/);
    }
  });

  test('graph → YAML → graph is identity: edits undone give the same bytes and the same model', () => {
    const base = JSON.stringify(shape(model));
    for (const n of model.nodes) {
      const list = model.listByKey.get(n.list)!;
      const undo: string[] = [];
      // move down then up, or up then down
      if (n.index + 1 < list.steps.length) undo.push(moveStep(moveStep(text, n.key, 'down').text, n.key, 'up').text);
      if (n.index > 0) undo.push(moveStep(moveStep(text, n.key, 'up').text, n.key, 'down').text);
      for (const kind of ['parallel', 'condition', 'loop'] as const) {
        const w = wrapSteps(text, [n.key], kind, { id: 'wrapper' });
        undo.push(unwrapStep(w.text, 'wrapper').text);
      }
      const renamed = renameStep(text, n.key, 'zz_renamed');
      undo.push(renameStep(renamed.text, 'zz_renamed', n.id!).text);
      const dup = duplicateStep(text, n.key);
      undo.push(deleteStep(dup.text, dup.key!).text);
      const added = addStep(text, 'http', { after: n.key });
      undo.push(deleteStep(added.text, added.key!).text);
      for (const u of undo) {
        expect(u).toBe(text);
        expect(JSON.stringify(shape(buildModel(u)))).toBe(base);
      }
      expect(renameStep(text, n.key, n.id!).text).toBe(text);
    }
  });

  test('every visual edit changes only the lines it touches, and the server still accepts the result', () => {
    for (const n of model.nodes) {
      const edits: [string, EditResult, boolean][] = [
        ['delete', deleteStep(text, n.key), false],
        ['move up', moveStep(text, n.key, 'up'), true],
        ['move down', moveStep(text, n.key, 'down'), true],
        ['move to the end', moveStep(text, n.key, { list: 'steps', at: 'end' }), false],
        ['duplicate', duplicateStep(text, n.key), false],
        ['wrap in parallel', wrapSteps(text, [n.key], 'parallel'), true],
        ['wrap in condition', wrapSteps(text, [n.key], 'condition'), true],
        ['wrap in loop', wrapSteps(text, [n.key], 'loop'), false],
        ['rename', renameStep(text, n.key, `${n.id}_x`), true],
        ['add after', addStep(text, 'ai', { after: n.key }), true],
        ['add before', addStep(text, 'approval', { before: n.key }), true],
        ['set name', setField(text, n.key, 'name', `The ${n.label}: step`), true],
      ];
      if (n.lists) edits.push(['unwrap', unwrapStep(text, n.key), false]);
      for (const [what, r, valid] of edits) {
        try {
          expectLocal(text, r);
          if (valid) validate(r.text);
        } catch (err) {
          throw new Error(`${what} ${n.key}: ${(err as Error).message}`);
        }
      }
    }
  });
});

describe('edits on the example', () => {
  test('rename updates every reference to the step, and nothing else', () => {
    const r = renameStep(EXAMPLE, 'head', 'commit');
    expectLocal(EXAMPLE, r);
    expect(r.key).toBe('commit');
    expect(r.text).not.toMatch(/steps\.head\b/);
    expect(r.text.match(/steps\.commit\b/g)).toHaveLength(3);
    const changed = lines(EXAMPLE).flatMap((l, i) => (l === lines(r.text)[i] ? [] : [i + 1]));
    expect(changed).toEqual([15, 44, 58, 62]);
    const m = buildModel(r.text);
    expect(m.dangling).toEqual([]);
    expect(m.data.filter((d) => d.from === 'commit').map((d) => d.to)).toEqual(['remember', 'summary', OUTPUTS_KEY]);
    validate(r.text);
    expect(() => renameStep(EXAMPLE, 'head', 'look')).toThrow(/already used/);
    expect(() => renameStep(EXAMPLE, 'head', '9lives')).toThrow(/not valid/);
  });

  test('deleting a referenced step reports the references left dangling, at their lines', () => {
    const r = deleteStep(EXAMPLE, 'head');
    expectLocal(EXAMPLE, r);
    expect(r.dangling?.map((d) => d.user)).toEqual(['remember', 'summary', OUTPUTS_KEY]);
    const m = buildModel(r.text);
    expect(m.byKey.has('head')).toBe(false);
    expect(m.dangling.map((d) => [d.ref.user, d.ref.name, r.text.split('\n')[d.ref.pos.line - 1].trim()])).toEqual([
      ['remember', 'head', 'head: ${{ steps.head.output.text }}'],
      ['summary', 'head', expect.stringContaining('prompt:')],
      [OUTPUTS_KEY, 'head', 'head: ${{ steps.head.output.text }}'],
    ]);
    expect(m.dangling[0].message).toMatch(/unknown step id "head"; step ids are: look,/);
    // Blank-line separated steps stay so: no double blank line is left behind.
    expect(r.text).not.toMatch(/\n\n\n/);
    // Deleting a group takes its steps, and references into it dangle too.
    expect(deleteStep(EXAMPLE, 'look').dangling?.map((d) => [d.user, d.name])).toEqual([
      ['remember', 'branch'],
      ['summary', 'listing'],
    ]);
  });

  test('wrap and unwrap several steps round trip, comments inside kept', () => {
    const w = wrapSteps(EXAMPLE, ['look', 'sizes'], 'parallel', { id: 'both' });
    expectLocal(EXAMPLE, w);
    const m = buildModel(w.text);
    expect(m.byKey.get('look')?.parent).toBe('both');
    expect(m.byKey.get('sizes')?.parent).toBe('both');
    expect(m.byKey.get('branch')?.parent).toBe('look');
    expect(m.edges).toEqual(
      expect.arrayContaining([
        { from: 'head', to: 'both' },
        { from: 'both', to: 'look' },
        { from: 'both', to: 'sizes' },
        { from: 'look$end', to: 'both$end' },
        { from: 'sizes$end', to: 'both$end' },
        { from: 'both$end', to: 'remember' },
      ]),
    );
    expect(w.text).toContain(
      '    parallel: # each step runs as its own branch; all are awaited'.replace(/^ {4}/, '          '),
    );
    validate(w.text);
    expect(unwrapStep(w.text, 'both').text).toBe(EXAMPLE);
    expect(() => wrapSteps(EXAMPLE, ['head', 'sizes'], 'loop')).toThrow(/follow each other/);
    expect(() => unwrapStep(EXAMPLE, 'head')).toThrow(/not a parallel/);
  });

  test("add into a parallel (a new branch), into a condition's else, and at the start of the steps", () => {
    const a = addStep(EXAMPLE, 'http', { list: 'steps/1/parallel/steps', at: 'end' });
    expectLocal(EXAMPLE, a);
    expect(a.key).toBe('http_1');
    let m = buildModel(a.text);
    expect(m.listByKey.get('steps/1/parallel/steps')?.steps).toEqual(['branch', 'listing', 'http_1']);
    expect(m.edges).toEqual(
      expect.arrayContaining([
        { from: 'look', to: 'http_1' },
        { from: 'http_1', to: 'look$end' },
      ]),
    );
    validate(a.text);
    const e = addStep(EXAMPLE, 'shell', { list: 'steps/4/condition/else', at: 'end' });
    expectLocal(EXAMPLE, e);
    m = buildModel(e.text);
    expect(m.listByKey.get('steps/4/condition/else')?.steps).toEqual(['shell_1']);
    expect(validate(e.text).steps[4]).toMatchObject({ condition: { else: [{ id: 'shell_1', kind: 'shell' }] } });
    const s = addStep(EXAMPLE, 'approval', { list: 'steps', at: 'start' });
    expectLocal(EXAMPLE, s);
    expect(buildModel(s.text).listByKey.get('steps')?.steps[0]).toBe('approval_1');
    validate(s.text);
    // Into an empty `[]` list, and an id already taken.
    const g = addStep(EXAMPLE, 'parallel', { after: 'head' });
    const inner = addStep(g.text, 'shell', { list: 'steps/1/parallel/steps', at: 'start' });
    expectLocal(g.text, inner);
    expect(inner.text).toContain('      steps:\n        - id: shell_1\n');
    validate(inner.text);
    expect(() => addStep(EXAMPLE, 'http', { after: 'head' }, { id: 'look' })).toThrow(/already used/);
    expect(() => addStep(EXAMPLE, 'http', { after: 'nope' })).toThrow(EditError);
  });

  test('a new branch in a parallel: a step in the steps form, a `- steps:` item in the branches form', () => {
    const a = addBranch(EXAMPLE, 'look', 'http');
    expectLocal(EXAMPLE, a);
    expect(buildModel(a.text).listByKey.get('steps/1/parallel/steps')?.steps).toEqual(['branch', 'listing', 'http_1']);
    const text = [
      'steps:',
      '  - id: p',
      '    parallel:',
      '      branches:',
      '        - steps:',
      '            - id: a',
      '              shell: { command: echo }',
      '  - id: after',
      '    shell: { command: echo }',
      '',
    ].join('\n');
    const b = addBranch(text, 'p', 'ai');
    expectLocal(text, b);
    expect(b.text).toContain(
      '              shell: { command: echo }\n        - steps:\n            - id: ai_1\n              ai:\n',
    );
    const m = buildModel(b.text);
    expect(m.byKey.get('ai_1')).toMatchObject({ parent: 'p', list: 'steps/0/parallel/branches/1/steps' });
    expect(m.edges).toEqual(
      expect.arrayContaining([
        { from: 'p', to: 'ai_1' },
        { from: 'ai_1', to: 'p$end' },
      ]),
    );
    const def = validate(b.text);
    expect(def.steps[0].kind === 'parallel' && def.steps[0].parallel.branches.map((x) => x.map((s) => s.id))).toEqual([
      ['a'],
      ['ai_1'],
    ]);
    expect(() => addBranch(EXAMPLE, 'head')).toThrow(/not a parallel/);
  });

  test('every step kind added from the palette is valid as it comes (groups once given a step)', () => {
    for (const kind of STEP_KINDS as readonly StepKind[]) {
      let r = addStep(EXAMPLE, kind, { after: 'summary' });
      expectLocal(EXAMPLE, r);
      const m = buildModel(r.text);
      const n = m.byKey.get(r.key!)!;
      expect(n.kind).toBe(kind);
      if (n.lists) r = addStep(r.text, 'shell', { list: n.lists[0], at: 'end' });
      validate(r.text);
      expect(parse(r.text).steps[6][kind]).toMatchObject(
        Object.fromEntries(Object.entries(STEP_TEMPLATES[kind]).filter(([, v]) => !Array.isArray(v) || v.length)),
      );
    }
  });

  test('move: within a list, into a group, out of a group (the emptied list becomes [])', () => {
    const down = moveStep(EXAMPLE, 'head', 'down');
    expectLocal(EXAMPLE, down);
    expect(buildModel(down.text).listByKey.get('steps')?.steps.slice(0, 2)).toEqual(['look', 'head']);
    const into = moveStep(EXAMPLE, 'remember', { list: 'steps/2/loop/steps', at: 'end' });
    expectLocal(EXAMPLE, into);
    expect(buildModel(into.text).byKey.get('remember')?.parent).toBe('sizes');
    expect(into.text).toContain('        - id: remember\n          memory:\n            action: set\n');
    validate(into.text);
    const out = moveStep(EXAMPLE, 'probe', { after: 'summary' });
    expectLocal(EXAMPLE, out);
    expect(out.text).toContain('      then: []\n');
    expect(buildModel(out.text).listByKey.get('steps')?.steps.at(-1)).toBe('probe');
    expect(() => moveStep(EXAMPLE, 'look', { list: 'steps/1/parallel/steps', at: 'end' })).toThrow(/into itself/);
    expect(moveStep(EXAMPLE, 'head', 'up').text).toBe(EXAMPLE);
  });

  test('duplicate: new unique ids for the step and the steps inside it, references left as they were', () => {
    const d = duplicateStep(EXAMPLE, 'look');
    expectLocal(EXAMPLE, d);
    expect(d.key).toBe('look_2');
    const m = buildModel(d.text);
    expect(subtree(m, 'look_2')).toEqual(['look_2', 'branch_2', 'listing_2']);
    validate(d.text);
    const s = duplicateStep(EXAMPLE, 'summary');
    expect(s.text).toContain('  - id: summary_2\n    ai: # skipped');
    expect(
      buildModel(s.text)
        .data.filter((x) => x.to === 'summary_2')
        .map((x) => x.from),
    ).toEqual(['head', 'listing']);
  });

  test('set and remove fields: nested, in flow maps in place, new maps added, values read back as given', () => {
    const cases: [string, string, unknown][] = [
      ['probe', 'http.url', 'https://example.com/x?a=1'],
      ['probe', 'http.retries', 3],
      ['probe', 'http.headers.Accept', 'text/plain'],
      ['head', 'shell.args', ['log', '-1', 'true', 'a: b', 'x # y']],
      ['head', 'shell.cwd', 'sub dir'],
      ['head', 'shell.env', { GIT_PAGER: 'cat', N: 1 }],
      ['head', 'shell.timeout', '30s'],
      ['summary', 'ai.prompt', 'line one\nline two ${{ steps.head.output.text }}\n'],
      ['summary', 'ai.system', "it's: quoted, [x] {y} #z"],
      ['summary', 'ai.maxTokens', 10],
      ['remember', 'memory.value.extra', 'no'],
      ['branch', 'shell.args', []],
      ['count', 'name', 'Count lines'],
    ];
    for (const [key, field, value] of cases) {
      const r = setField(EXAMPLE, key, field, value);
      expectLocal(EXAMPLE, r);
      const m = buildModel(r.text);
      const js = parse(r.text) as Record<string, unknown>;
      let cur: unknown = js;
      for (const seg of [...m.byKey.get(key)!.path, ...field.split('.')]) cur = (cur as Record<string, unknown>)[seg];
      expect(cur).toEqual(value);
      validate(r.text);
    }
    // In a flow map, the edit stays on its line.
    const f = setField(EXAMPLE, 'probe', 'http.method', 'POST');
    expect(f.text).toContain(
      "http: { method: POST, url: '${{ inputs.healthUrl }}', timeout: 10s, expectStatus: [200, 204] }",
    );
    const top = setField(EXAMPLE, null, 'description', 'Shorter.');
    expect(top.text).toContain('\ndescription: Shorter.\n');
    expectLocal(EXAMPLE, top);
    for (const [key, field] of [
      ['head', 'shell.allowFailure'],
      ['branch', 'shell.allowFailure'],
      ['listing', 'shell.args'],
      ['sizes', 'loop.as'],
      ['remember', 'memory.value.note'],
      ['summary', 'ai.task'],
    ]) {
      const r = removeField(EXAMPLE, key, field);
      expectLocal(EXAMPLE, r);
      expect(r.text.length).toBeLessThan(EXAMPLE.length);
      const m = buildModel(r.text);
      let cur: unknown = parse(r.text);
      const segs = [...m.byKey.get(key)!.path, ...field.split('.')];
      for (const seg of segs.slice(0, -1)) cur = (cur as Record<string, unknown>)[seg];
      expect(cur).not.toHaveProperty(String(segs.at(-1)));
      validate(r.text);
    }
    expect(removeField(EXAMPLE, 'branch', 'shell.args').text).toContain('shell: { command: git, allowFailure: true }');
  });
});

describe('edge cases', () => {
  test('the last step deleted leaves steps: []; a new one goes into it', () => {
    const text = 'name: one\nsteps:\n  - id: only\n    shell: { command: echo }\n';
    const d = deleteStep(text, 'only');
    expect(d.text).toBe('name: one\nsteps: []\n');
    expect(addStep(d.text, 'ai', { list: 'steps', at: 'end' }).text).toBe(
      'name: one\nsteps:\n  - id: ai_1\n    ai:\n      prompt: Say what the model should do\n',
    );
  });

  test("a rename reaches references written steps['id'] and in bare conditions", () => {
    const text = [
      'steps:',
      '  - id: a',
      '    shell: { command: echo }',
      '  - id: c',
      '    condition:',
      "      if: steps.a.output.exitCode == 0 && steps['a'].output.text != ''",
      '      then:',
      '        - id: b',
      '          shell: { command: echo, args: ["${{ steps[\'a\'].output.text }}"] }',
      '',
    ].join('\n');
    const r = renameStep(text, 'a', 'first');
    expectLocal(text, r);
    expect(r.changes).toHaveLength(4);
    expect(r.text).toContain("if: steps.first.output.exitCode == 0 && steps['first'].output.text != ''");
    expect(r.text).toContain('args: ["${{ steps[\'first\'].output.text }}"]');
    expect(buildModel(r.text).dangling).toEqual([]);
  });

  test('tricky text values read back as given, in block maps and in flow maps', () => {
    const values = [
      'yes',
      'null',
      '~',
      '',
      ' lead',
      'trail ',
      '@x',
      '`x',
      '!x',
      '&a',
      '*a',
      '%x',
      '#x',
      'a,b',
      '[x]',
      '{x}',
      "it's",
      'a"b',
      'x: y',
      'x #y',
      '1e3',
      '0x10',
      '.5',
      'True',
      'NO',
      '-',
      '--',
      '- x',
      '? x',
      '1:2',
      'a\tb',
      'é ü',
      '${{ inputs.note }}',
    ];
    for (const v of values) {
      for (const [key, field] of [
        ['summary', 'ai.system'],
        ['probe', 'http.url'],
        ['head', 'shell.cwd'],
        ['branch', 'shell.cwd'],
      ]) {
        const r = setField(EXAMPLE, key, field, v);
        const m = buildModel(r.text);
        expect([v, m.errors]).toEqual([v, []]);
        let cur: unknown = parse(r.text);
        for (const seg of [...m.byKey.get(key)!.path, ...field.split('.')]) cur = (cur as Record<string, unknown>)[seg];
        expect([key, field, cur]).toEqual([key, field, v]);
      }
    }
  });

  test('one list item set in place; an edit on a text with a YAML error says where to fix it first', () => {
    const r = setField(EXAMPLE, 'head', 'shell.args.1', '--long');
    expectLocal(EXAMPLE, r);
    expect(r.text).toContain('args: [rev-parse, --long, HEAD]');
    const broken = EXAMPLE.replace('max: 20', 'max: [20');
    expect(() => addStep(broken, 'ai', { after: 'head' })).toThrow(
      /YAML has an error at line 3\d, column \d+.*fix it in the text/,
    );
  });
});

describe("the file's own style", () => {
  // Four-space maps, sequences not indented under their key, flow maps and double quotes.
  const STYLED = [
    '# four spaces, compact sequences',
    'steps:',
    '- id: a',
    '  shell:',
    '      command: echo',
    '      args: [one]',
    '- id: g',
    '  parallel:',
    '      steps:',
    '      - id: b',
    '        shell: {command: echo}',
    '- id: c',
    '  condition:',
    '      if: true',
    '      then:',
    '      - id: d',
    '        ai: {prompt: "hi ${{ steps.a.output.text }}"}',
    '',
  ].join('\n');
  const OPTS = { shellAllowlist: ['echo'], workflowTypes: [] };

  test('new steps, wrapped steps and new maps follow the indentation the file uses', () => {
    const add = addStep(STYLED, 'http', { list: 'steps/1/parallel/steps', at: 'end' });
    expectLocal(STYLED, add);
    expect(add.text).toContain(
      '      - id: b\n        shell: {command: echo}\n      - id: http_1\n        http:\n            url: https://example.com/health\n',
    );
    const wrap = wrapSteps(STYLED, ['a'], 'loop', { id: 'again' });
    expectLocal(STYLED, wrap);
    expect(wrap.text).toContain(
      '- id: again\n  loop:\n      over: [1]\n      max: 1\n      steps:\n      - id: a\n        shell:\n            command: echo\n',
    );
    const env = setField(STYLED, 'a', 'shell.env', { A: 'x' });
    expect(env.text).toContain('      args: [one]\n      env:\n          A: x\n- id: g');
    const els = addStep(STYLED, 'shell', { list: 'steps/2/condition/else', at: 'end' });
    expect(
      els.text.endsWith(
        '      else:\n      - id: shell_1\n        shell:\n            command: echo\n            args: [hello]\n',
      ),
    ).toBe(true);
    for (const r of [
      add,
      wrap,
      env,
      els,
      renameStep(STYLED, 'a', 'first'),
      moveStep(STYLED, 'a', { list: 'steps/1/parallel/steps', at: 'start' }),
    ]) {
      parseDefinition(r.text, 'styled.yaml', 'styled', OPTS);
    }
    expect(renameStep(STYLED, 'a', 'first').text).toContain('ai: {prompt: "hi ${{ steps.first.output.text }}"}');
  });
});

describe('for the UI', () => {
  test("a node's text (from its dash) and its fields with their lines, for the side panel", () => {
    const m = buildModel(EXAMPLE);
    const r = stepRange(m, 'probe');
    expect(EXAMPLE.slice(r.from, r.to)).toBe(
      "- id: probe\n          http: { method: GET, url: '${{ inputs.healthUrl }}', timeout: 10s, expectStatus: [200, 204] }",
    );
    const head = readStep(m, 'head');
    expect(head).toMatchObject({
      id: 'head',
      kind: 'shell',
      body: { command: 'git', args: ['rev-parse', '--short', 'HEAD'], allowFailure: true },
    });
    expect(head.at.command.line).toBe(17);
    expect(head.at.allowFailure.line).toBe(19);
    expect(EXAMPLE.slice(head.at.args.from, head.at.args.to)).toBe('[rev-parse, --short, HEAD]');
    expect(readStep(m, 'probe').at.url.line).toBe(53);
  });

  test('"+" on every edge of the example puts the new step between its two ends', () => {
    const m = buildModel(EXAMPLE);
    for (const e of m.edges) {
      const r = addStep(EXAMPLE, 'http', whereOnEdge(m, e.from, e.to), { id: 'plus' });
      expectLocal(EXAMPLE, r);
      const after = buildModel(r.text);
      const into = after.edges.filter((x) => x.to === 'plus').map((x) => x.from);
      const out = after.edges.filter((x) => x.from === 'plus').map((x) => x.to);
      // The new step is fed by the edge's start and feeds its end; in a parallel whose steps are
      // each a branch, it is a new branch: fed by the parallel, feeding its exit.
      const inBranch = [e.from, e.to]
        .map((k) => m.byKey.get(k))
        .find((n) => n && m.listByKey.get(n.list)?.slot === 'parallel');
      const [a, b] = inBranch ? [inBranch.parent!, `${inBranch.parent!}$end`] : [e.from, e.to];
      expect([e.from, e.to, into]).toEqual([e.from, e.to, [a]]);
      expect([e.from, e.to, out]).toEqual([e.from, e.to, [b]]);
      validate(r.text);
    }
    expect(() => whereOnEdge(m, 'head', 'summary')).toThrow(/no edge/);
  });

  test('a file with CRLF line ends keeps them in what an edit inserts', () => {
    const crlf = EXAMPLE.replace(/\n/g, '\r\n');
    for (const r of [
      addStep(crlf, 'http', { after: 'head' }),
      wrapSteps(crlf, ['remember'], 'condition'),
      setField(crlf, 'head', 'shell.cwd', 'sub'),
      moveStep(crlf, 'head', 'down'),
    ]) {
      expect(r.text.replace(/\r\n/g, '')).not.toContain('\n');
      validate(r.text);
    }
  });
});

describe('the model', () => {
  test('nodes, groups, sequence and data edges of the example', () => {
    const m = buildModel(EXAMPLE);
    expect(m.nodes.map((n) => [n.key, n.kind, n.parent ?? null, n.line])).toEqual([
      ['head', 'shell', null, 15],
      ['look', 'parallel', null, 21],
      ['branch', 'shell', 'look', 24],
      ['listing', 'shell', 'look', 26],
      ['sizes', 'loop', null, 29],
      ['count', 'shell', 'sizes', 35],
      ['remember', 'memory', null, 38],
      ['health', 'condition', null, 48],
      ['probe', 'http', 'health', 52],
      ['summary', 'ai', null, 55],
    ]);
    expect(m.byKey.get('look')?.path).toEqual(['steps', 1]);
    expect(m.byKey.get('branch')?.path).toEqual(['steps', 1, 'parallel', 'steps', 0]);
    expect(m.byKey.get('probe')?.path).toEqual(['steps', 4, 'condition', 'then', 0]);
    expect(m.edges.map((e) => `${e.from}>${e.to}`)).toEqual([
      '$inputs>head',
      'head>look',
      'look>branch',
      'look>listing',
      'branch>look$end',
      'listing>look$end',
      'look$end>sizes',
      'sizes>count',
      'count>sizes$end',
      'sizes$end>remember',
      'remember>health',
      'health>probe',
      'probe>health$end',
      'health>health$end',
      'health$end>summary',
      'summary>$outputs',
    ]);
    const steps = m.data.filter((d) => d.ref.root === 'steps');
    expect(steps.map((d) => `${d.from}>${d.to}@${d.ref.pos.line}:${d.ref.pos.col}`)).toEqual([
      'head>remember@44:25',
      'branch>remember@45:27',
      'head>summary@58:75',
      'listing>summary@58:123',
      'head>$outputs@62:19',
      'remember>$outputs@63:21',
      'summary>$outputs@64:22',
      'summary>$outputs@64:51',
    ]);
    for (const d of steps) expect(EXAMPLE.slice(d.ref.from, d.ref.to)).toBe(d.ref.name);
    expect(m.inputs.map((i) => [i.name, i.type, i.default])).toEqual([
      ['note', 'string', 'no note'],
      ['healthUrl', 'string', ''],
      ['files', 'array', ['README.md', 'package.json']],
    ]);
    expect(m.outputs.map((o) => o.name)).toEqual(['head', 'stored', 'summary']);
    expect(m.data.find((d) => d.to === 'health')?.from).toBe('$inputs');
    // As for the server, a step's name is never rendered: an expression there is no reference.
    const named = buildModel(setField(EXAMPLE, 'probe', 'name', 'After ${{ steps.nope.output }}').text);
    expect(named.dangling).toEqual([]);
    expect(named.data).toHaveLength(m.data.length);
  });

  test('a broken reference is reported at its line and column, and its step marked', () => {
    const text =
      'steps:\n  - id: a\n    shell: { command: echo }\n  - id: b\n    shell: { command: echo, args: ["${{ steps.nope.output.text }}"] }\n';
    const m = buildModel(text);
    expect(m.dangling).toHaveLength(1);
    expect(m.dangling[0].ref).toMatchObject({ user: 'b', name: 'nope', pos: { line: 5, col: 47 } });
    expect(m.dangling[0].message).toBe('refers to unknown step id "nope"; step ids are: a, b');
  });

  test('a text with YAML errors still gives the steps that parse, and the errors with line and column', () => {
    const text =
      'steps:\n  - id: a\n    shell: { command: echo }\n  - id: b\n    shell: { command: echo, args: [x }\n  - id: c\n    ai: { prompt: hi }\n';
    const m = buildModel(text);
    expect(m.errors.length).toBeGreaterThan(0);
    expect(m.errors[0].pos.line).toBe(5);
    expect(m.nodes.map((n) => n.key)).toEqual(expect.arrayContaining(['a']));
    const unclosed = buildModel(
      'steps:\n  - id: a\n    shell: {command: echo}\n  - id: b\n    http: {url: "https://x\n',
    );
    expect(unclosed.errors[0]).toMatchObject({ pos: { line: expect.any(Number), col: expect.any(Number) } });
    expect(unclosed.nodes[0].key).toBe('a');
  });

  test('identity is the step id: adding a step elsewhere keeps every other key; no id falls back to the path', () => {
    const before = buildModel(EXAMPLE);
    const after = buildModel(addStep(EXAMPLE, 'shell', { list: 'steps', at: 'start' }).text);
    for (const n of before.nodes) expect(after.byKey.get(n.key)?.id).toBe(n.id);
    const noId = buildModel('steps:\n  - shell: { command: echo }\n  - id: 1bad\n    shell: { command: echo }\n');
    expect(noId.nodes.map((n) => n.key)).toEqual(['@steps/0', '@steps/1']);
  });

  test('the structure hash moves with structure only, not with a field value', () => {
    const m = buildModel(EXAMPLE);
    expect(buildModel(setField(EXAMPLE, 'probe', 'http.url', 'https://a.example').text).structureHash).toBe(
      m.structureHash,
    );
    expect(buildModel(setField(EXAMPLE, 'summary', 'ai.prompt', 'other').text).structureHash).toBe(m.structureHash);
    expect(buildModel(moveStep(EXAMPLE, 'head', 'down').text).structureHash).not.toBe(m.structureHash);
    expect(buildModel(addStep(EXAMPLE, 'ai', { after: 'head' }).text).structureHash).not.toBe(m.structureHash);
  });
});

describe('built from empty with the edit functions', () => {
  test('three steps, one a parallel with two branches: the expected document, accepted by the loader runs use', () => {
    let text = '# Built in the designer\n';
    const r1 = addStep(text, 'shell', { list: 'steps', at: 'end' });
    text = r1.text;
    text = setField(text, 'shell_1', 'shell.args', ['checking']).text;
    const r2 = addStep(text, 'parallel', { after: 'shell_1' });
    text = r2.text;
    text = addStep(text, 'http', { list: 'steps/1/parallel/steps', at: 'end' }).text;
    text = addStep(text, 'ai', { list: 'steps/1/parallel/steps', at: 'end' }).text;
    text = setField(text, 'ai_1', 'ai.prompt', 'Summarize ${{ steps.http_1.output.status }}').text;
    text = addStep(text, 'approval', { list: 'steps', at: 'end' }).text;
    text = setField(text, null, 'name', 'built').text;
    expect(text).toBe(
      [
        '# Built in the designer',
        'name: built',
        'steps:',
        '  - id: shell_1',
        '    shell:',
        '      command: echo',
        '      args: [checking]',
        '  - id: parallel_1',
        '    parallel:',
        '      steps:',
        '        - id: http_1',
        '          http:',
        '            url: https://example.com/health',
        '        - id: ai_1',
        '          ai:',
        "            prompt: 'Summarize ${{ steps.http_1.output.status }}'",
        '  - id: approval_1',
        '    approval:',
        "      title: 'Go ahead?'",
        '',
      ].join('\n'),
    );
    const m = buildModel(text);
    expect(m.listByKey.get('steps/1/parallel/steps')?.steps).toEqual(['http_1', 'ai_1']);
    expect(m.data.map((d) => `${d.from}>${d.to}`)).toEqual(['http_1>ai_1']);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'designer-'));
    try {
      fs.mkdirSync(path.join(dir, '.claude-flow/workflows'), { recursive: true });
      fs.writeFileSync(path.join(dir, '.claude-flow/workflows/built.yaml'), text);
      const loaded = loadDefinition(dir, 'built', OPTIONS);
      expect(loaded.definition.steps.map((s) => s.kind)).toEqual(['shell', 'parallel', 'approval']);
      const par = loaded.definition.steps[1];
      expect(par.kind === 'parallel' && par.parallel.branches.map((b) => b.map((s) => s.id))).toEqual([
        ['http_1'],
        ['ai_1'],
      ]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
