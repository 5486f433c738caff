// The startable workflow types are the keys of the contract's WORKFLOW_INPUTS: the types a session
// may run (CHILD_WORKFLOW_TYPES) are those keys, and the catalog (lib/workflow-types) has one entry
// per key (tsc checks). The workflows the worker registers (workflows/index.ts) are a list of their
// own and must agree: a type in the catalog and not registered is a run that cannot start.
import { WORKFLOW_TYPES } from '../../lib/workflow-types';
import * as workflows from '../../workflows';
import { CHILD_WORKFLOW_TYPES } from '../../workflows/contract/runs';
import { WORKFLOW_INPUTS } from '../../workflows/contract/inputs';
import { schemaOf } from '../../api/json-schema';

const catalog = WORKFLOW_TYPES.map((d) => d.type);

test('every catalog type is a registered workflow, and sessions may run exactly the catalog', () => {
  expect(new Set(catalog).size).toBe(catalog.length);
  for (const type of catalog) expect(typeof (workflows as Record<string, unknown>)[type]).toBe('function');
  expect([...CHILD_WORKFLOW_TYPES].sort()).toEqual([...catalog].sort());
});

test("each catalog entry validates with its type's contract schema, the one the workflow parses", () => {
  for (const def of WORKFLOW_TYPES) expect(def.input).toBe(WORKFLOW_INPUTS[def.type]);
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
