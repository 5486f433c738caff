// Custom workflow definitions: every mistake is reported as `file:LINE:COL field: what to fix`, the
// expression language evaluates only what it is given, and inputs are checked against declarations.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  DefinitionError,
  evalExpr,
  loadDefinition,
  parseDefinition,
  parseExpr,
  renderValue,
  resolveInputs,
  sha256,
} from '../../lib/custom-workflows';
import { customDef } from '../../lib/workflow-types/custom';

const FILE = '.claude-flow/workflows/broken.yaml';
const OPTIONS = { shellAllowlist: ['git', 'echo'], workflowTypes: ['systemCheck', 'custom'] };

function problems(text: string): string[] {
  try {
    parseDefinition(text, FILE, 'broken', OPTIONS);
  } catch (err) {
    expect(err).toBeInstanceOf(DefinitionError);
    return (err as DefinitionError).problems;
  }
  throw new Error('expected the definition to be rejected');
}

describe('errors name the file, line, column and field', () => {
  test('several mistakes in one file, each at its own position, in file order', () => {
    const text = [
      'steps:', // 1
      '  - id: hello', // 2
      '    shell:', // 3
      '      command: rm', // 4
      '      args: [-rf, /]', // 5
      '  - id: hello', // 6
      '    shel: {command: echo}', // 7
      '  - id: fetch', // 8
      '    http:', // 9
      '      url: http://127.0.0.1/x', // 10
      '      methd: POST', // 11
      '  - id: again', // 12
      '    loop:', // 13
      '      over: [1, 2]', // 14
      '      steps:', // 15
      '        - id: say', // 16
      '          shell: {command: echo, args: ["${{ steps.nope.output.text }}"]}', // 17
      '  - id: check', // 18
      '    condition:', // 19
      '      if: steps.fetch.output.status = 200', // 20
      '      then:', // 21
      '        - id: keep', // 22
      '          memory: {action: put, namespace: x/, key: k}', // 23
      '  - shell: {command: echo}', // 24
    ].join('\n');
    expect(problems(text)).toEqual([
      `${FILE}:4:16 steps[0].shell.command: "rm" is not on the shell allowlist (git, echo); use one of those or add it to CLAUDE_FLOW_SHELL_ALLOWLIST`,
      `${FILE}:6:9 steps[1].id: duplicate id "hello" (already used by steps[0]); ids must be unique`,
      `${FILE}:7:5 steps[1].shel: unknown step kind "shel"; one of: ai, memory, github, http, shell, approval, parallel, condition, loop, child`,
      `${FILE}:11:7 steps[2].http.methd: unknown field "methd"; allowed: method, url, headers, body, timeout, expectStatus, retries`,
      `${FILE}:14:7 steps[3].loop.max: missing field "max": a loop needs max: its most iterations (1-1000)`,
      `${FILE}:17:41 steps[3].loop.steps[0].shell.args[0]: refers to unknown step id "nope"; step ids are: hello, fetch, again, say, check, keep`,
      `${FILE}:20:11 steps[4].condition.if: bad expression: unexpected "=" at column 27 (compare with ==)`,
      `${FILE}:23:28 steps[4].condition.then[0].memory.action: unknown action "put"; one of: get, set, search`,
      `${FILE}:24:5 steps[5]: missing field "id": give the step an id (letters, digits, _)`,
    ]);
  });

  test('a loop bound over the limit, an unknown input and a child of an unknown type', () => {
    const text = [
      'inputs:',
      '  branch: string',
      'steps:',
      '  - id: poll',
      '    loop:',
      '      while: "true"',
      '      max: 5000',
      '      steps:',
      '        - id: ping',
      '          http: {url: "https://example.com/${{ inputs.brnch }}"}',
      '  - id: sub',
      '    child: {type: deploy, input: {}}',
    ].join('\n');
    expect(problems(text)).toEqual([
      `${FILE}:7:12 steps[0].loop.max: at most 1000 iterations`,
      `${FILE}:10:23 steps[0].loop.steps[0].http.url: refers to undeclared input "brnch"; declare it under inputs: (declared: branch)`,
      `${FILE}:12:19 steps[1].child.type: unknown workflow type "deploy"; one of: systemCheck, custom`,
    ]);
  });

  test('YAML syntax errors carry their position', () => {
    const p = problems('steps:\n  - id: a\n    shell: {command: echo\n');
    expect(p).toHaveLength(1);
    expect(p[0]).toMatch(new RegExp(`^${FILE.replace(/\./g, '\\.')}:\\d+:\\d+ \\(YAML\\): `));
  });

  test('a step with two kinds, a wrong id and a missing body field', () => {
    const text = [
      'steps:',
      '  - id: 1st',
      '    shell: {command: echo}',
      '  - id: two',
      '    shell: {command: echo}',
      '    http: {url: "http://x"}',
      '  - id: asks',
      '    ai: {maxTokens: 10}',
    ].join('\n');
    expect(problems(text)).toEqual([
      `${FILE}:2:9 steps[0].id: id "1st" is not valid: use letters, digits and _ (not starting with a digit), e.g. build_app`,
      `${FILE}:6:5 steps[1].http: a step has one kind; this one has shell and http: split it into two steps`,
      `${FILE}:8:9 steps[2].ai.prompt: missing field "prompt": expected text: what to ask the model`,
    ]);
  });

  test('loop.* outside a loop, a function call, and a file that is not a mapping', () => {
    const text = [
      'steps:',
      '  - id: a',
      '    shell: {command: echo, args: ["${{ loop.item }}", "${{ inputs.x() }}"]}',
    ].join('\n');
    expect(problems(text)).toEqual([
      `${FILE}:3:35 steps[0].shell.args[0]: loop.* can be used only inside a loop's steps`,
      `${FILE}:3:55 steps[0].shell.args[1]: bad expression: in "\${{ inputs.x() }}": function calls are not allowed in expressions`,
    ]);
    expect(problems('- just a list')[0]).toMatch(/^\S+:1:1 \(top level\): a workflow file is a mapping with steps:/);
  });
});

test('a valid definition is normalised: durations in ms, defaults, parallel branches, kinds', () => {
  const def = parseDefinition(
    [
      'name: demo',
      'inputs:',
      '  n: {type: number, default: 2}',
      'steps:',
      '  - id: a',
      '    shell: {command: echo, args: [hi], timeout: 5s}',
      '  - id: p',
      '    parallel:',
      '      steps:',
      '        - id: b',
      '          http: {method: POST, url: "http://127.0.0.1:1/x", timeout: 2m}',
      '        - id: c',
      '          memory: {action: get, namespace: workflows/x/, key: k}',
      'outputs:',
      '  out: ${{ steps.a.output.text }}',
    ].join('\n'),
    FILE,
    'demo',
    OPTIONS,
  );
  expect(def.name).toBe('demo');
  expect(def.inputs.n).toEqual({ type: 'number', required: false, default: 2 });
  expect(def.steps[0]).toEqual({
    id: 'a',
    kind: 'shell',
    shell: { command: 'echo', args: ['hi'], timeoutMs: 5000, allowFailure: false },
  });
  const p = def.steps[1];
  expect(p.kind === 'parallel' && p.parallel.branches.map((b) => b.map((s) => s.id))).toEqual([['b'], ['c']]);
  // POST is not retried unless asked: a retry could post twice.
  const b = p.kind === 'parallel' ? p.parallel.branches[0][0] : undefined;
  expect(b?.kind === 'http' && b.http).toMatchObject({ method: 'POST', timeoutMs: 120_000, retries: 0 });
});

test('durations follow the one grammar (workflows/contract/duration.ts), or are milliseconds', () => {
  const timeoutOf = (timeout: string) => {
    const def = parseDefinition(
      `steps:\n  - id: a\n    shell: {command: echo, timeout: ${timeout}}\n`,
      FILE,
      'demo',
      OPTIONS,
    );
    const step = def.steps[0];
    return step.kind === 'shell' ? step.shell.timeoutMs : undefined;
  };
  expect(timeoutOf('500ms')).toBe(500);
  expect(timeoutOf('30s')).toBe(30_000);
  expect(timeoutOf('0.5h')).toBe(1_800_000);
  expect(timeoutOf('"90 seconds"')).toBe(90_000);
  expect(timeoutOf('2500')).toBe(2500);
  expect(problems('steps:\n  - id: a\n    shell: {command: echo, timeout: 5 parsecs}\n')).toEqual([
    `${FILE}:3:37 steps[0].shell.timeout: "5 parsecs" is not a duration; write e.g. 30s (ms, s, m, h, d)`,
  ]);
});

describe('expressions', () => {
  const scope = {
    inputs: { branch: 'main', n: 3, list: ['a', 'b'] },
    steps: { build: { status: 'done', output: { exitCode: 0, text: 'ok', nested: { 'a-b': 1 } } } },
    loop: { item: 'x', index: 1 },
  };
  test.each([
    ['inputs.branch', 'main'],
    ["inputs.branch == 'main' && steps.build.output.exitCode == 0", true],
    ['!(inputs.n > 2) || false', false],
    ['inputs.n >= 3', true],
    ['inputs.list[1]', 'b'],
    ["steps.build.output.nested['a-b']", 1],
    ['steps.build.output.missing.deeper', undefined],
    ['inputs.nothing || "fallback"', 'fallback'],
    ['inputs.list == ["a"]'.replace(' == ["a"]', " != 'a'"), true],
    ["inputs.n < 'x'", false],
    ['loop.index == 1', true],
    ['null == inputs.none', true],
  ])('%s', (src, expected) => {
    expect(evalExpr(parseExpr(src), scope)).toEqual(expected);
  });

  test('only the given scope is reachable: no calls, no globals, no prototype', () => {
    expect(() => parseExpr('process.exit(1)')).toThrow(/unknown name "process"/);
    expect(() => parseExpr('inputs.branch.toString()')).toThrow(/function calls are not allowed/);
    expect(evalExpr(parseExpr('inputs.constructor'), scope)).toBeUndefined();
    expect(evalExpr(parseExpr("inputs['__proto__']"), scope)).toBeUndefined();
  });

  test('templates keep the type of a whole expression and interpolate text', () => {
    expect(renderValue({ a: '${{ inputs.n }}', b: 'n=${{ inputs.n }} ${{ inputs.list }}', c: [1] }, scope)).toEqual({
      a: 3,
      b: 'n=3 ["a","b"]',
      c: [1],
    });
  });
});

describe('files and inputs', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cf-custom-unit-'));
  const wfDir = path.join(dir, '.claude-flow', 'workflows');
  fs.mkdirSync(wfDir, { recursive: true });
  const text =
    'inputs:\n  who: {type: string, required: true}\nsteps:\n  - id: hi\n    shell: {command: echo, args: [hi]}\n';
  fs.writeFileSync(path.join(wfDir, 'greet.yaml'), text);
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('a definition is found by name and pinned by the sha256 of its bytes', () => {
    const d = loadDefinition(dir, 'greet', OPTIONS);
    expect(d).toMatchObject({
      name: 'greet',
      file: path.join('.claude-flow', 'workflows', 'greet.yaml'),
      hash: sha256(text),
    });
  });

  test('an unknown name lists the defined ones; a path is refused', () => {
    expect(() => loadDefinition(dir, 'gret', OPTIONS)).toThrow(/no custom workflow "gret".*defined: greet/);
    expect(() => loadDefinition(dir, '../secrets', OPTIONS)).toThrow(/not a workflow name/);
  });

  test('inputs: required, types, unknown names, defaults', () => {
    const declared = {
      who: { type: 'string' as const, required: true },
      n: { type: 'number' as const, required: false, default: 1 },
    };
    expect(resolveInputs('greet', declared, { who: 'ann' })).toEqual({ who: 'ann', n: 1 });
    expect(() => resolveInputs('greet', declared, { n: 'two', whom: 1 })).toThrow(DefinitionError);
    try {
      resolveInputs('greet', declared, { n: 'two', whom: 1 });
    } catch (err) {
      expect((err as DefinitionError).problems).toEqual([
        'inputs.whom: workflow "greet" has no input "whom"; its inputs are: who, n',
        'inputs.who: required by workflow "greet"; give it',
        'inputs.n: expected number, got string',
      ]);
    }
  });

  test('names Object.prototype has are no inputs: undeclared `constructor` is refused, none can be declared', () => {
    const declared = { who: { type: 'string' as const, required: false } };
    for (const name of ['constructor', 'toString', 'hasOwnProperty']) {
      expect(() => resolveInputs('greet', declared, JSON.parse(`{"${name}": 1}`))).toThrow(
        new RegExp(`has no input "${name}"`),
      );
    }
    // A declared input named like one is not found on the prototype of an empty input object either.
    expect(resolveInputs('greet', { toString: { type: 'string' as const, required: false } }, {})).toEqual({});
    expect(
      problems('inputs:\n  constructor: {type: string}\nsteps:\n  - id: hi\n    shell: {command: echo, args: [hi]}\n'),
    ).toEqual([expect.stringMatching(/inputs\.constructor: "constructor" cannot name an input/)]);
    // A template naming an undeclared `constructor` input is an error, not Object.prototype's.
    expect(problems('steps:\n  - id: hi\n    shell: {command: echo, args: ["${{ inputs.constructor }}"]}\n')).toEqual([
      expect.stringMatching(/refers to undeclared input "constructor"/),
    ]);
  });

  test('the catalog input says what to fix', () => {
    const r = customDef.input.safeParse({ name: 'a/b', inputs: [] });
    expect(r.success).toBe(false);
    const messages = r.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(messages).toEqual([
      expect.stringMatching(/^name: name is the file name without \.yaml/),
      expect.stringMatching(/^inputs: /),
    ]);
    // Defaults are the schema's (written once; the workflow parses its input with it too).
    expect(customDef.input.parse({ name: 'example' })).toEqual({ name: 'example', inputs: {}, depth: 0 });
    expect(customDef.input.safeParse({ name: 'example', depth: 6 }).error?.issues[0].message).toBe(
      'custom workflows nest at most 5 deep',
    );
  });
});

test('the example in the repository is valid', () => {
  const root = path.join(__dirname, '..', '..');
  const d = loadDefinition(root, 'example', { shellAllowlist: ['git', 'ls', 'grep'], workflowTypes: ['custom'] });
  expect(d.definition.steps.map((s) => s.kind)).toEqual(['shell', 'parallel', 'loop', 'memory', 'condition', 'ai']);
});
