// /api/claude-flow/workflows/definitions: the custom workflow definition files
// (`<workspace>/.claude-flow/workflows/*.yaml`) for editors such as the dashboard's designer — list,
// read (text + sha256), validate with the one checker a run uses (problems at their line and
// column), create (also from a template), save with the hash it was read at (409 with the current
// text when stale), rename, delete, versions (list, read, restore) and the definition's runs.
// Every change is announced on the live channel `definitions` (lib/custom-workflows/store.ts).
import { z } from 'zod';
import type { Request } from 'express';
import { checkDefinition, definitionsDir, validateOptions, type DefinitionProblem } from '../../lib/custom-workflows';
import { outlineOf } from '../../lib/custom-workflows/outline';
import { definitionRuns } from '../../lib/custom-workflows/runs';
import { NAME_PATTERN } from '../../lib/custom-workflows/schema';
import { checkName, checkText, DefinitionStore } from '../../lib/custom-workflows/store';
import { findTemplate, listTemplates } from '../../lib/custom-workflows/templates';
import { notFound } from '../../lib/errors';
import { WORKFLOW_TYPES } from '../../lib/workflow-types';
import { BASE, type ApiContext, type RouteSpec } from '../route-spec';
import { parse } from '../validate';

const D = `${BASE}/workflows/definitions`;

const storeOf = (ctx: ApiContext) =>
  new DefinitionStore({
    workspaceDir: ctx.config.workspaceDir,
    pool: ctx.pool,
    options: () =>
      validateOptions(
        ctx.config,
        WORKFLOW_TYPES.map((d) => d.type),
      ),
  });

const author = (req: Request) => req.principal?.name ?? 'api';
const nameParam = (req: Request, param = 'name') => {
  const v = String(req.params[param] ?? '');
  checkName(v, param);
  return v;
};

const hash = z.string().regex(/^[0-9a-f]{64}$/, 'a sha256 in hex (64 lowercase hex digits), as GET gave it');
const textField = z.string({ error: 'text is required: the YAML of the definition' }).max(1_000_000);
const nameField = z
  .string({ error: 'name is required: the file name without .yaml' })
  .regex(
    NAME_PATTERN,
    'not a workflow name: use the file name without .yaml — letters, digits, . _ - (starting with a letter or digit, at most 100, no slashes), e.g. "release"',
  );

// ---- response schemas (the OpenAPI document) ----
const problem = z.object({
  line: z.number().int().describe('1-based'),
  col: z.number().int().describe('1-based'),
  endLine: z.number().int(),
  endCol: z.number().int(),
  path: z.string().describe('The field, e.g. steps[2].http.url'),
  segments: z.array(z.union([z.string(), z.number()])),
  message: z.string().describe('What is wrong and how to fix it'),
  severity: z.enum(['error', 'warning']).describe('error: a run refuses the definition; warning: a run goes ahead'),
  source: z.enum(['yaml', 'size', 'schema']),
});
const span = { line: z.number().int(), col: z.number().int(), endLine: z.number().int(), endCol: z.number().int() };
const outlineStep = z.object({
  id: z.string().optional(),
  kind: z.string().optional(),
  name: z.string().optional(),
  path: z.string(),
  ...span,
  groups: z
    .array(
      z.object({
        label: z.string().describe('then, else, steps or branches[i]'),
        path: z.string(),
        steps: z.array(z.unknown()).describe('Steps of this same shape'),
      }),
    )
    .optional(),
});
const outline = z.object({
  name: z.string().optional(),
  description: z.string().optional(),
  inputs: z.array(z.string()),
  steps: z.array(outlineStep),
  refs: z.array(
    z.object({
      from: z.string().optional().describe("The step holding the reference (none in the definition's outputs)"),
      to: z.string().describe('The step id referred to'),
      path: z.string(),
      ...span,
    }),
  ),
});
const validation = z.object({
  valid: z.boolean().describe('True when a run would accept the text (no problem of severity error)'),
  errors: z.number().int(),
  problems: z.array(problem),
  outline: outline.optional().describe('Absent when the text is not YAML'),
});
const definitionFile = z.object({
  name: z.string(),
  file: z.string().describe('Relative to the workspace, e.g. .claude-flow/workflows/deploy.yaml'),
  text: z.string(),
  hash: z.string().describe('sha256 of the text: give it back as baseHash when saving'),
  updatedAt: z.string(),
  valid: z.boolean(),
  problems: z.array(problem),
});
const written = definitionFile.extend({
  versionId: z.string().optional().describe('The version this write was kept as'),
  unchanged: z.boolean().optional().describe('The text was the file already: nothing was written'),
});
const listed = z.object({
  name: z.string(),
  file: z.string(),
  hash: z.string(),
  description: z.string().optional(),
  steps: z.number().int().describe('Top-level steps'),
  problems: z.number().int().describe('Problems a run would refuse (0: runnable)'),
  updatedAt: z.string(),
});
const versionSummary = z.object({
  id: z.string(),
  name: z.string(),
  hash: z.string(),
  action: z.enum(['created', 'saved', 'renamed', 'restored', 'deleted', 'disk']),
  author: z.string().describe('Who made the change; "disk" for a change made outside the API'),
  createdAt: z.string(),
});
const templateSchema = z.object({ name: z.string(), description: z.string(), text: z.string(), hash: z.string() });

// ---- request schemas ----
const validateBody = z
  .object({
    text: textField,
    name: nameField.optional().describe('The definition name the text is for (its default `name:`)'),
    outline: z.boolean().default(true).describe('Include the outline (steps, nesting, references)'),
  })
  .strict();
const createBody = z
  .object({
    name: nameField,
    text: textField.optional().describe('The YAML; or give template'),
    template: z.string().max(200).optional().describe('Start from this template (GET …/definitions/templates)'),
  })
  .strict()
  .refine((b) => (b.text === undefined) !== (b.template === undefined), {
    message: 'give either text (the YAML) or template (a name from GET /workflows/definitions/templates), not both',
  });
const saveBody = z
  .object({
    text: textField,
    baseHash: hash.describe('The hash the text was read at (GET …/definitions/{name})'),
  })
  .strict();
const renameBody = z.object({ to: nameField, baseHash: hash }).strict();
const deleteQuery = z.object({ baseHash: hash }).strict();
const restoreBody = z
  .object({ baseHash: hash.optional().describe('Required when the definition exists: the hash it was read at') })
  .strict();
const versionsQuery = z
  .object({
    hash: hash.optional().describe('Only versions with this text hash (e.g. the hash a run pinned)'),
    limit: z.coerce.number().int().min(1).max(500).default(100),
    before: z
      .string()
      .regex(/^[1-9][0-9]{0,17}$/, 'a version id')
      .optional()
      .describe('Versions older than this id (the next page)'),
  })
  .strict();
const runsQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(200).default(50),
    scan: z.coerce
      .number()
      .int()
      .min(1)
      .max(2000)
      .default(100)
      .describe('How many of the newest custom runs to look through (each is one history read)'),
  })
  .strict();

const errorsOf = (p: DefinitionProblem[]) => p.filter((x) => x.severity === 'error').length;

function validationOf(text: string, name: string, ctx: ApiContext, withOutline: boolean) {
  const options = validateOptions(
    ctx.config,
    WORKFLOW_TYPES.map((d) => d.type),
  );
  const check = checkDefinition(text, name, options);
  const errors = errorsOf(check.problems);
  return {
    valid: errors === 0,
    errors,
    problems: check.problems,
    ...(withOutline && check.doc && check.lineCounter && check.raw !== undefined
      ? { outline: outlineOf(check.doc, check.lineCounter, text, check.raw) }
      : {}),
  };
}

const withProblems = <T extends { name: string; text: string }>(store: DefinitionStore, f: T) => {
  const problems = store.problems(f.name, f.text);
  return { ...f, valid: errorsOf(problems) === 0, problems };
};

const STALE = 'The definition changed since baseHash: the body carries current.text and current.hash';

export const routes: RouteSpec[] = [
  {
    method: 'GET',
    path: D,
    role: 'viewer',
    tag: 'definitions',
    summary: 'Custom workflow definitions on disk, each with its hash and how many problems it has',
    response: { schema: z.object({ dir: z.string(), definitions: z.array(listed) }) },
    handler: (_req, res, ctx) => {
      const store = storeOf(ctx);
      const definitions = [];
      for (const name of store.names()) {
        let cur;
        try {
          cur = store.current(name);
        } catch {
          continue; // a symbolic link out of the directory: not a definition the API serves
        }
        if (!cur) continue;
        const summary = store.summary(name, cur.text);
        definitions.push({
          name,
          file: cur.file,
          hash: cur.hash,
          ...(summary.description !== undefined ? { description: summary.description } : {}),
          steps: summary.steps,
          problems: errorsOf(summary.problems),
          updatedAt: cur.updatedAt,
        });
      }
      res.json({ dir: definitionsDir(ctx.config.workspaceDir), definitions });
    },
  },
  {
    method: 'POST',
    path: `${D}/validate`,
    role: 'viewer',
    tag: 'definitions',
    summary: 'Check a definition text as a run would: every problem with its line, column and field',
    description:
      'The same checker `custom` runs use. `valid` is false when a run would refuse the text. The outline (steps, kinds, nesting, `${{ steps.<id>… }}` references with positions) is built from the YAML even when there are problems, so a graph can be drawn while editing.',
    body: validateBody,
    response: { schema: validation },
    errors: { 413: 'The text is larger than a definition may be (256 KiB)' },
    handler: (req, res, ctx) => {
      const body = parse(validateBody, req.body, 'body');
      if (body.name !== undefined) checkName(body.name);
      checkText(body.text);
      res.json(validationOf(body.text, body.name ?? 'draft', ctx, body.outline));
    },
  },
  {
    method: 'GET',
    path: `${D}/templates`,
    role: 'viewer',
    tag: 'definitions',
    summary: 'Templates for new definitions, with their text',
    response: { schema: z.object({ templates: z.array(templateSchema) }) },
    handler: (_req, res) => {
      res.json({ templates: listTemplates() });
    },
  },
  {
    method: 'POST',
    path: D,
    role: 'operator',
    tag: 'definitions',
    summary: 'Create a definition (from text or a template); one with problems is saved as a draft',
    description:
      'Writes .claude-flow/workflows/<name>.yaml atomically. The answer carries the problems: a draft with problems is kept, but a `custom` run refuses it until they are fixed.',
    body: createBody,
    response: { status: 201, schema: written },
    errors: { 404: 'No such template', 409: 'The definition exists already', 413: 'The text is too large' },
    handler: async (req, res, ctx) => {
      const body = parse(createBody, req.body, 'body');
      checkName(body.name);
      let text = body.text;
      if (body.template !== undefined) {
        const t = findTemplate(body.template);
        if (!t) {
          throw notFound(
            `No template "${body.template}": one of ${listTemplates()
              .map((x) => x.name)
              .join(', ')}`,
          );
        }
        // The template's `name:` becomes the new name (quoted where YAML would read it as something else).
        const plain = /^[A-Za-z][A-Za-z0-9_.-]*$/.test(body.name) && !/^(true|false|null)$/i.test(body.name);
        text = t.text.replace(/^name:.*$/m, `name: ${plain ? body.name : `'${body.name}'`}`);
      }
      const store = storeOf(ctx);
      const made = await store.create(body.name, text as string, author(req));
      res.status(201).json(withProblems(store, made));
    },
  },
  {
    method: 'GET',
    path: `${D}/{name}`,
    role: 'viewer',
    tag: 'definitions',
    summary: 'A definition: its text, sha256 hash and problems',
    response: { schema: definitionFile },
    errors: { 404: 'No such definition' },
    handler: (req, res, ctx) => {
      const store = storeOf(ctx);
      res.json(withProblems(store, store.read(nameParam(req))));
    },
  },
  {
    method: 'PUT',
    path: `${D}/{name}`,
    role: 'operator',
    tag: 'definitions',
    summary: 'Save a definition read at baseHash (409 with the current text when it changed since)',
    description:
      'Atomic (temp file, fsync, rename); the previous text is kept as a version. A text with problems is saved as a draft and answered with them; a `custom` run refuses it until they are fixed.',
    body: saveBody,
    response: { schema: written },
    errors: { 404: 'No such definition', 409: STALE, 413: 'The text is too large' },
    handler: async (req, res, ctx) => {
      const name = nameParam(req);
      const body = parse(saveBody, req.body, 'body');
      const store = storeOf(ctx);
      res.json(withProblems(store, await store.save(name, body.text, body.baseHash, author(req))));
    },
  },
  {
    method: 'DELETE',
    path: `${D}/{name}`,
    role: 'operator',
    tag: 'definitions',
    summary: 'Delete a definition read at baseHash (its text stays restorable as a version)',
    query: deleteQuery,
    response: { schema: z.object({ name: z.string(), hash: z.string(), versionId: z.string() }) },
    errors: { 404: 'No such definition', 409: STALE },
    handler: async (req, res, ctx) => {
      const name = nameParam(req);
      const q = parse(deleteQuery, req.query, 'query');
      res.json(await storeOf(ctx).remove(name, q.baseHash, author(req)));
    },
  },
  {
    method: 'POST',
    path: `${D}/{name}/rename`,
    role: 'operator',
    tag: 'definitions',
    summary: 'Rename a definition read at baseHash (its versions go along)',
    body: renameBody,
    response: { schema: written },
    errors: { 404: 'No such definition', 409: `The new name exists already, or ${STALE.toLowerCase()}` },
    handler: async (req, res, ctx) => {
      const name = nameParam(req);
      const body = parse(renameBody, req.body, 'body');
      const store = storeOf(ctx);
      res.json(withProblems(store, await store.rename(name, body.to, body.baseHash, author(req))));
    },
  },
  {
    method: 'GET',
    path: `${D}/{name}/versions`,
    role: 'viewer',
    tag: 'definitions',
    summary: "A definition's versions, newest first (who made each change, when, its hash)",
    description:
      'Every text the definition had as the API saw it: each write through the API and each change on disk the watcher saw (author "disk"). `?hash=` finds the version a run pinned.',
    query: versionsQuery,
    response: { schema: z.object({ versions: z.array(versionSummary) }) },
    handler: async (req, res, ctx) => {
      const name = nameParam(req);
      const q = parse(versionsQuery, req.query, 'query');
      res.json({ versions: await storeOf(ctx).versions(name, q) });
    },
  },
  {
    method: 'GET',
    path: `${D}/{name}/versions/{id}`,
    role: 'viewer',
    tag: 'definitions',
    summary: 'One version of a definition, with its text',
    response: { schema: versionSummary.extend({ text: z.string() }) },
    errors: { 404: 'No such version of this definition' },
    handler: async (req, res, ctx) => {
      const name = nameParam(req);
      res.json(await storeOf(ctx).version(name, String(req.params.id)));
    },
  },
  {
    method: 'POST',
    path: `${D}/{name}/versions/{id}/restore`,
    role: 'operator',
    tag: 'definitions',
    summary: "Write a version's text back to the file (itself a new version)",
    body: restoreBody,
    response: { schema: written },
    errors: { 404: 'No such version of this definition', 409: STALE },
    handler: async (req, res, ctx) => {
      const name = nameParam(req);
      const body = parse(restoreBody, req.body ?? {}, 'body');
      const store = storeOf(ctx);
      res.json(withProblems(store, await store.restore(name, String(req.params.id), body.baseHash, author(req))));
    },
  },
  {
    method: 'GET',
    path: `${D}/{name}/runs`,
    role: 'viewer',
    tag: 'definitions',
    summary: 'The custom runs of a definition, newest first, each with the definition hash it ran',
    description:
      "Looks through the newest `scan` custom runs (Temporal visibility) and reads the start of each one's history: the definition it was given and the hash its load step pinned. GET …/versions?hash= gives that version's text.",
    query: runsQuery,
    response: {
      schema: z.object({
        runs: z.array(
          z.object({
            workflowId: z.string(),
            runId: z.string(),
            type: z.string(),
            status: z.string(),
            startTime: z.string(),
            closeTime: z.string().optional(),
            durationMs: z.number().optional(),
            hash: z.string().optional().describe('The definition text the run pinned (absent until it loaded it)'),
            file: z.string().optional(),
          }),
        ),
        scanned: z.number().int(),
        more: z.boolean().describe('There are older custom runs than those scanned'),
      }),
    },
    handler: async (req, res, ctx) => {
      const name = nameParam(req);
      const q = parse(runsQuery, req.query, 'query');
      res.json(await definitionRuns(ctx.temporal, name, { ...q, taskQueue: ctx.config.temporal.taskQueue }));
    },
  },
];
