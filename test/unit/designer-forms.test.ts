// The designer's step forms (web/src/designer/forms.ts) come from the very zod schemas the server
// validates with: the schemas live in workflows/contract/custom-schema.ts, the server's
// lib/custom-workflows re-exports the same objects, and each kind's field list matches its schema's
// keys, required fields, defaults and options. The palette's new steps fill every required field.
import * as serverSchema from '../../lib/custom-workflows/schema';
import * as contract from '../../workflows/contract/custom-schema';
import { STEP_KINDS, type StepKind } from '../../workflows/contract/custom-types';
import { STEP_TEMPLATES } from '../../web/src/designer/edits';
import { ACTIONS, durationText, fieldsOf } from '../../web/src/designer/forms';

type Shaped = { shape?: Record<string, unknown>; def?: Record<string, unknown> };
function shapeOf(schema: unknown): Record<string, unknown> {
  let s = schema as Shaped;
  for (let n = 0; n < 5 && !s.shape; n++) s = (s.def?.in ?? s.def?.innerType ?? s.def?.schema) as Shaped;
  return s.shape ?? {};
}
const schemaOf = (kind: StepKind, action?: string): unknown =>
  kind === 'memory'
    ? contract.memorySchemas[(action ?? 'get') as keyof typeof contract.memorySchemas]
    : kind === 'github'
      ? contract.githubSchemas[(action ?? 'comment') as keyof typeof contract.githubSchemas]
      : contract.KIND_SCHEMAS[kind as keyof typeof contract.KIND_SCHEMAS];

describe('step forms from the server schemas', () => {
  test('the server validates with the same schema objects the designer reads', () => {
    expect(serverSchema.KIND_SCHEMAS).toBe(contract.KIND_SCHEMAS);
    expect(serverSchema.memorySchemas).toBe(contract.memorySchemas);
    expect(serverSchema.githubSchemas).toBe(contract.githubSchemas);
    expect(serverSchema.ID_PATTERN).toBe(contract.ID_PATTERN);
  });

  test.each([...STEP_KINDS])('%s: every field of the schema, in order, with required, default and options', (kind) => {
    const actions = ACTIONS[kind] ?? [undefined];
    for (const action of actions) {
      const fields = fieldsOf(kind, action);
      const shape = shapeOf(schemaOf(kind, action));
      expect(fields.map((f) => f.name)).toEqual(Object.keys(shape));
      for (const f of fields) {
        const field = shape[f.name] as { safeParse: (v: unknown) => { success: boolean } };
        // Required exactly when the schema refuses a missing value.
        const optional = field.safeParse(undefined).success;
        expect([f.name, f.required]).toEqual([f.name, !optional]);
        if (f.options)
          for (const o of f.options) if (f.name !== 'action') expect(field.safeParse(o).success).toBe(true);
        if (f.default !== undefined && f.type !== 'duration' && f.type !== 'steps') {
          expect(field.safeParse(f.default).success).toBe(true);
        }
        if (f.type === 'duration' && typeof f.default === 'number') {
          expect(field.safeParse(durationText(f.default)).success).toBe(true);
        }
      }
    }
  });

  test('types, defaults, options and descriptions a form needs', () => {
    const shell = Object.fromEntries(fieldsOf('shell').map((f) => [f.name, f]));
    expect(shell.command).toMatchObject({
      type: 'string',
      required: true,
      description: expect.stringContaining('allowlist'),
    });
    expect(shell.timeout).toMatchObject({ type: 'duration', required: false, default: 600_000 });
    expect(durationText(shell.timeout.default as number)).toBe('10m');
    expect(shell.allowFailure).toMatchObject({ type: 'boolean', default: false });
    expect(shell.args).toMatchObject({ type: 'array', items: 'string', default: [] });
    const http = Object.fromEntries(fieldsOf('http').map((f) => [f.name, f]));
    expect(http.method).toMatchObject({ default: 'GET', options: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] });
    expect(http.retries).toMatchObject({ type: 'integer', min: 0, max: 10 });
    expect(fieldsOf('memory', 'set').map((f) => f.name)).toEqual([
      'action',
      'namespace',
      'key',
      'value',
      'tags',
      'ttlSeconds',
    ]);
    expect(fieldsOf('memory', 'set')[0]).toMatchObject({ options: ['get', 'set', 'search'], default: 'set' });
    const loop = Object.fromEntries(fieldsOf('loop').map((f) => [f.name, f]));
    expect(loop.steps.type).toBe('steps');
    expect(loop.while.type).toBe('expression');
    expect(loop.max).toMatchObject({ type: 'integer', required: true, max: 1000 });
    expect(fieldsOf('condition').find((f) => f.name === 'if')?.type).toBe('expression');
  });

  test("the palette's new steps give every required field (step lists start empty)", () => {
    for (const kind of STEP_KINDS) {
      const action = STEP_TEMPLATES[kind].action as string | undefined;
      for (const f of fieldsOf(kind, action)) {
        if (f.required) expect([kind, f.name, f.name in STEP_TEMPLATES[kind]]).toEqual([kind, f.name, true]);
      }
    }
  });
});
