// The catalog of startable workflow types (lib/workflow-types), the types a session may run
// (workflows/dev/names.ts, which workflow code can read) and the workflows the worker registers
// (workflows/index.ts) must agree: a type in one and not the others is a run that cannot start.
import { WORKFLOW_TYPES } from '../../lib/workflow-types';
import * as workflows from '../../workflows';
import { CHILD_WORKFLOW_TYPES } from '../../workflows/contract/runs';
import { schemaOf } from '../../api/json-schema';

const catalog = WORKFLOW_TYPES.map((d) => d.type);

test('every catalog type is a registered workflow, and sessions may run exactly the catalog', () => {
  expect(new Set(catalog).size).toBe(catalog.length);
  for (const type of catalog) expect(typeof (workflows as Record<string, unknown>)[type]).toBe('function');
  expect([...CHILD_WORKFLOW_TYPES].sort()).toEqual([...catalog].sort());
});

test('every type has a description and an input schema the API can publish', () => {
  for (const def of WORKFLOW_TYPES) {
    expect(def.description.length).toBeGreaterThan(10);
    expect(() => schemaOf(def.input)).not.toThrow();
  }
});

test('internal workflows are not in the catalog', () => {
  expect(catalog).not.toContain('session');
  expect(catalog).not.toContain('memoryMaintenance');
});
