// Parses and validates one custom workflow file. Every problem is reported as
// `file.yaml:LINE:COL field.path: what to fix`, with the position of the YAML node at fault (kept by
// the `yaml` parser), and all problems are reported at once.
import { createHash } from 'node:crypto';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { z } from 'zod';
import {
  exprRefs,
  ExprError,
  parseCondition,
  parseTemplate,
  templatesIn,
  type Expr,
} from '../../workflows/contract/custom-expr';
import {
  type CustomDefinition,
  type CustomStep,
  type InputSpec,
  MAX_DEFINITION_BYTES,
  STEP_KINDS,
  type StepKind,
} from '../../workflows/contract/custom-types';
import { githubSchemas, ID_PATTERN, inputSpecSchema, KIND_SCHEMAS, memorySchemas, topSchema } from './schema';

export type FieldPath = (string | number)[];

export interface Issue {
  path: FieldPath;
  message: string;
  /** Point at the key of the last path segment (unknown fields) rather than its value. */
  atKey?: boolean;
}

export interface ValidateOptions {
  /** Programs shell steps may run. */
  shellAllowlist: readonly string[];
  /** Workflow types child steps may start. */
  workflowTypes: readonly string[];
}

export { MAX_DEFINITION_BYTES };

export class DefinitionError extends Error {
  override name = 'DefinitionError';
  constructor(readonly problems: string[]) {
    super(problems.length === 1 ? problems[0] : `${problems.length} problems:\n${problems.join('\n')}`);
  }
}

export function formatPath(path: FieldPath): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${p}` : p;
  return out || '(top level)';
}

/** The node at `path`, or the deepest existing one on the way (exported for the outline). */
export function nodeAt(doc: Document, path: FieldPath, atKey: boolean): Node | undefined {
  let cur: unknown = doc.contents;
  let found = cur as Node | undefined;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i];
    const last = i === path.length - 1;
    if (isMap(cur)) {
      const pair = cur.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) return found;
      if (last && atKey) return pair.key as Node;
      cur = pair.value;
      // `key:` with no value: point at the key.
      found = (cur as Node | null) ?? (pair.key as Node);
    } else if (isSeq(cur) && typeof seg === 'number') {
      const item = cur.items[seg];
      if (item === undefined) return found;
      cur = item;
      found = item as Node;
    } else return found;
  }
  return found;
}

function zodIssues(schema: z.ZodType, value: unknown, base: FieldPath, out: Issue[]): unknown {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  for (const i of r.error.issues) {
    const path = [...base, ...(i.path as (string | number)[])];
    if (i.code === 'unrecognized_keys') {
      const shape = shapeKeys(schema, i.path as FieldPath);
      for (const k of i.keys) {
        out.push({
          path: [...path, k],
          atKey: true,
          message: `unknown field "${k}"${shape.length ? `; allowed: ${shape.join(', ')}` : ''}`,
        });
      }
    } else if (i.code === 'invalid_type' && (i as { input?: unknown }).input === undefined) {
      const field = path[path.length - 1];
      out.push({
        path,
        message: `missing ${typeof field === 'string' ? `field "${field}"` : 'value'}: ${clean(i.message)}`,
      });
    } else {
      out.push({ path, message: clean(i.message) });
    }
  }
  return undefined;
}

/** Zod's wording, made plainer. */
function clean(message: string): string {
  return message
    .replace(/^Invalid input: expected (\w+), received undefined$/, 'add it (expected $1)')
    .replace(/^Invalid input: /, '')
    .replace(/^Invalid option: expected one of /, 'must be one of ')
    .replace(/received (\w+)$/, 'got $1');
}

function shapeKeys(schema: z.ZodType, at: FieldPath): string[] {
  let s = schema as unknown as { shape?: Record<string, unknown>; def?: Record<string, unknown> };
  // Unwrap refinements/pipes down to the object.
  for (let n = 0; n < 5 && !s.shape; n++) {
    const inner = (s.def?.in ?? s.def?.innerType ?? s.def?.schema) as typeof s | undefined;
    if (!inner) break;
    s = inner;
  }
  if (at.length > 0) return [];
  return s.shape ? Object.keys(s.shape) : [];
}

interface TemplateRef {
  path: FieldPath;
  text: string;
  /** A bare condition (if / while / over) rather than text with ${{ }}. */
  condition: boolean;
  inLoop: boolean;
}

/** Names that are Object.prototype's machinery in every object: no input may take one. */
const RESERVED_NAMES: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);
const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Validates the parsed JSON of a definition; problems are collected in `issues`. */
export function validateDefinition(
  raw: unknown,
  defaultName: string,
  options: ValidateOptions,
  issues: Issue[],
): CustomDefinition | undefined {
  if (!isObject(raw)) {
    issues.push({
      path: [],
      message:
        'a workflow file is a mapping with steps:, e.g. "steps:\\n  - id: hello\\n    shell: {command: echo, args: [hi]}"',
    });
    return undefined;
  }
  const top = zodIssues(topSchema, raw, [], issues) as z.output<typeof topSchema> | undefined;
  const inputs: Record<string, InputSpec> = {};
  for (const [name, spec] of Object.entries(isObject(raw.inputs) ? raw.inputs : {})) {
    if (RESERVED_NAMES.has(name)) {
      issues.push({
        path: ['inputs', name],
        atKey: true,
        message: `"${name}" cannot name an input; choose another name`,
      });
      continue;
    }
    const parsed = zodIssues(inputSpecSchema, spec, ['inputs', name], issues) as InputSpec | undefined;
    if (parsed) inputs[name] = parsed;
  }
  const ids = new Map<string, FieldPath>();
  const templates: TemplateRef[] = [];
  const steps = Array.isArray(raw.steps) ? walkSteps(raw.steps, ['steps'], false, options, ids, templates, issues) : [];
  const outputs = isObject(raw.outputs) ? raw.outputs : undefined;
  if (outputs) {
    for (const t of templatesIn(outputs, ['outputs'])) templates.push({ ...t, condition: false, inLoop: false });
  }
  for (const t of templates) checkTemplate(t, ids, inputs, issues);
  if (!top || issues.length > 0) return undefined;
  return {
    name: top.name ?? defaultName,
    description: top.description,
    inputs,
    steps,
    outputs: top.outputs,
  };
}

function walkSteps(
  list: unknown[],
  base: FieldPath,
  inLoop: boolean,
  options: ValidateOptions,
  ids: Map<string, FieldPath>,
  templates: TemplateRef[],
  issues: Issue[],
): CustomStep[] {
  const out: CustomStep[] = [];
  list.forEach((item, i) => {
    const step = walkStep(item, [...base, i], inLoop, options, ids, templates, issues);
    if (step) out.push(step);
  });
  return out;
}

function walkStep(
  item: unknown,
  path: FieldPath,
  inLoop: boolean,
  options: ValidateOptions,
  ids: Map<string, FieldPath>,
  templates: TemplateRef[],
  issues: Issue[],
): CustomStep | undefined {
  if (!isObject(item)) {
    issues.push({
      path,
      message: 'a step is a mapping with an id and one kind, e.g. {id: hello, shell: {command: echo}}',
    });
    return undefined;
  }
  const before = issues.length;
  const id = item.id;
  if (id === undefined) issues.push({ path, message: 'missing field "id": give the step an id (letters, digits, _)' });
  else if (typeof id !== 'string' || !ID_PATTERN.test(id)) {
    issues.push({
      path: [...path, 'id'],
      message: `id ${JSON.stringify(id)} is not valid: use letters, digits and _ (not starting with a digit), e.g. build_app`,
    });
  } else if (ids.has(id)) {
    issues.push({
      path: [...path, 'id'],
      message: `duplicate id "${id}" (already used by ${formatPath(ids.get(id) as FieldPath)}); ids must be unique`,
    });
  } else ids.set(id, path);
  if (item.name !== undefined && typeof item.name !== 'string') {
    issues.push({ path: [...path, 'name'], message: 'expected text: the name shown in progress' });
  }
  const kinds: StepKind[] = [];
  for (const key of Object.keys(item)) {
    if (key === 'id' || key === 'name') continue;
    if ((STEP_KINDS as readonly string[]).includes(key)) kinds.push(key as StepKind);
    else {
      issues.push({
        path: [...path, key],
        atKey: true,
        message: `unknown step kind "${key}"; one of: ${STEP_KINDS.join(', ')}`,
      });
    }
  }
  if (kinds.length === 0) {
    if (issues.length === before)
      issues.push({ path, message: `missing the step kind: add one of ${STEP_KINDS.join(', ')}` });
    return undefined;
  }
  if (kinds.length > 1) {
    issues.push({
      path: [...path, kinds[1]],
      atKey: true,
      message: `a step has one kind; this one has ${kinds.join(' and ')}: split it into two steps`,
    });
    return undefined;
  }
  const kind = kinds[0];
  const at = [...path, kind];
  const body = item[kind];
  const built = walkBody(kind, body, at, inLoop, options, ids, templates, issues);
  if (!built || issues.length > before) return undefined;
  return {
    id: id as string,
    ...(typeof item.name === 'string' ? { name: item.name } : {}),
    kind,
    [kind]: built,
  } as CustomStep;
}

function walkBody(
  kind: StepKind,
  body: unknown,
  at: FieldPath,
  inLoop: boolean,
  options: ValidateOptions,
  ids: Map<string, FieldPath>,
  templates: TemplateRef[],
  issues: Issue[],
): unknown {
  const nested = (list: unknown, p: FieldPath, loop = inLoop) =>
    Array.isArray(list) ? walkSteps(list, p, loop, options, ids, templates, issues) : [];
  const addTemplates = (value: unknown, p: FieldPath) => {
    for (const t of templatesIn(value, p)) templates.push({ ...t, condition: false, inLoop });
  };
  if (!isObject(body)) {
    issues.push({
      path: at,
      message: `expected the ${kind} step's fields as a mapping (see the README's custom workflows schema)`,
    });
    return undefined;
  }
  switch (kind) {
    case 'memory':
    case 'github': {
      const table = (kind === 'memory' ? memorySchemas : githubSchemas) as Record<string, z.ZodType>;
      const action = body.action;
      if (typeof action !== 'string' || !(action in table)) {
        issues.push({
          path: [...at, 'action'],
          message: `${action === undefined ? 'missing field "action"' : `unknown action ${JSON.stringify(action)}`}; one of: ${Object.keys(table).join(', ')}`,
        });
        return undefined;
      }
      const parsed = zodIssues(table[action], body, at, issues);
      addTemplates(body, at);
      return parsed;
    }
    case 'shell': {
      const parsed = zodIssues(KIND_SCHEMAS.shell, body, at, issues) as z.output<typeof KIND_SCHEMAS.shell> | undefined;
      if (typeof body.command === 'string' && /^[A-Za-z0-9][A-Za-z0-9._+-]*$/.test(body.command)) {
        if (!options.shellAllowlist.includes(body.command)) {
          issues.push({
            path: [...at, 'command'],
            message: `"${body.command}" is not on the shell allowlist (${options.shellAllowlist.join(', ') || 'empty'}); use one of those or add it to CLAUDE_FLOW_SHELL_ALLOWLIST`,
          });
        }
      }
      addTemplates({ args: body.args, cwd: body.cwd, env: body.env }, at);
      if (!parsed) return undefined;
      const { timeout, ...rest } = parsed;
      return { ...rest, timeoutMs: timeout };
    }
    case 'http': {
      const parsed = zodIssues(KIND_SCHEMAS.http, body, at, issues) as z.output<typeof KIND_SCHEMAS.http> | undefined;
      addTemplates(body, at);
      if (!parsed) return undefined;
      const { timeout, retries, ...rest } = parsed;
      const idempotent = ['GET', 'HEAD', 'PUT', 'DELETE'].includes(parsed.method);
      return { ...rest, timeoutMs: timeout, retries: retries ?? (idempotent ? 2 : 0) };
    }
    case 'ai':
    case 'child': {
      const parsed = zodIssues(KIND_SCHEMAS[kind], body, at, issues) as Record<string, unknown> | undefined;
      addTemplates(body, at);
      if (kind === 'child' && typeof body.type === 'string' && !options.workflowTypes.includes(body.type)) {
        issues.push({
          path: [...at, 'type'],
          message: `unknown workflow type "${body.type}"; one of: ${options.workflowTypes.join(', ')}`,
        });
      }
      return parsed;
    }
    case 'approval': {
      const parsed = zodIssues(KIND_SCHEMAS.approval, body, at, issues) as
        z.output<typeof KIND_SCHEMAS.approval> | undefined;
      addTemplates(body, at);
      if (!parsed) return undefined;
      const { timeout, ...rest } = parsed;
      return { ...rest, ...(timeout !== undefined ? { timeoutMs: timeout } : {}) };
    }
    case 'condition': {
      const parsed = zodIssues(KIND_SCHEMAS.condition, body, at, issues) as
        z.output<typeof KIND_SCHEMAS.condition> | undefined;
      if (typeof body.if === 'string') templates.push({ path: [...at, 'if'], text: body.if, condition: true, inLoop });
      const then = nested(body.then, [...at, 'then']);
      const otherwise = nested(body.else, [...at, 'else']);
      if (!parsed) return undefined;
      return { if: typeof parsed.if === 'boolean' ? String(parsed.if) : parsed.if, then, else: otherwise };
    }
    case 'parallel': {
      const parsed = zodIssues(KIND_SCHEMAS.parallel, body, at, issues) as
        z.output<typeof KIND_SCHEMAS.parallel> | undefined;
      const branches: CustomStep[][] = [];
      if (Array.isArray(body.steps)) for (const s of nested(body.steps, [...at, 'steps'])) branches.push([s]);
      if (Array.isArray(body.branches)) {
        body.branches.forEach((b, i) => {
          if (isObject(b)) branches.push(nested(b.steps, [...at, 'branches', i, 'steps']));
        });
      }
      return parsed ? { branches } : undefined;
    }
    case 'loop': {
      const parsed = zodIssues(KIND_SCHEMAS.loop, body, at, issues) as z.output<typeof KIND_SCHEMAS.loop> | undefined;
      if (body.max === undefined) {
        // zod reported it; make sure the message says why a bound is required.
      }
      if (typeof body.over === 'string')
        templates.push({ path: [...at, 'over'], text: body.over, condition: true, inLoop });
      else if (body.over !== undefined) {
        if (!Array.isArray(body.over)) {
          issues.push({
            path: [...at, 'over'],
            message: 'expected a list, or an expression giving one (e.g. inputs.files)',
          });
        } else addTemplates(body.over, [...at, 'over']);
      }
      if (typeof body.while === 'string')
        templates.push({ path: [...at, 'while'], text: body.while, condition: true, inLoop: true });
      const steps = nested(body.steps, [...at, 'steps'], true);
      if (!parsed) return undefined;
      const w = parsed.while;
      return {
        ...(parsed.over !== undefined ? { over: parsed.over } : {}),
        ...(w !== undefined ? { while: typeof w === 'boolean' ? String(w) : w } : {}),
        max: parsed.max,
        as: parsed.as,
        steps,
      };
    }
  }
}

const WORKFLOW_FIELDS = ['id', 'name', 'hash'];

function checkTemplate(
  t: TemplateRef,
  ids: Map<string, FieldPath>,
  inputs: Record<string, InputSpec>,
  issues: Issue[],
) {
  let exprs: Expr[];
  try {
    if (t.condition) exprs = [parseCondition(t.text)];
    else {
      const tpl = parseTemplate(t.text);
      exprs = !tpl ? [] : 'whole' in tpl ? [tpl.whole] : tpl.parts.filter((p): p is Expr => typeof p !== 'string');
    }
  } catch (err) {
    if (!(err instanceof ExprError)) throw err;
    issues.push({ path: t.path, message: `bad expression: ${err.message}` });
    return;
  }
  for (const e of exprs) {
    for (const ref of exprRefs(e)) {
      if (ref.root === 'steps') {
        if (ref.name === undefined) issues.push({ path: t.path, message: 'write steps.<id>.output, naming a step id' });
        else if (!ids.has(ref.name)) {
          const known = [...ids.keys()];
          issues.push({
            path: t.path,
            message: `refers to unknown step id "${ref.name}"${known.length ? `; step ids are: ${known.join(', ')}` : ''}`,
          });
        }
      } else if (ref.root === 'inputs') {
        if (ref.name !== undefined && !Object.prototype.hasOwnProperty.call(inputs, ref.name)) {
          const known = Object.keys(inputs);
          issues.push({
            path: t.path,
            message: `refers to undeclared input "${ref.name}"; declare it under inputs:${known.length ? ` (declared: ${known.join(', ')})` : ''}`,
          });
        }
      } else if (ref.root === 'loop') {
        if (!t.inLoop) issues.push({ path: t.path, message: "loop.* can be used only inside a loop's steps" });
      } else if (ref.root === 'workflow') {
        if (ref.name === undefined || !WORKFLOW_FIELDS.includes(ref.name)) {
          issues.push({
            path: t.path,
            message: `workflow.${ref.name ?? ''} does not exist; use workflow.${WORKFLOW_FIELDS.join(', workflow.')}`,
          });
        }
      }
    }
  }
}

/** One problem of a definition, where it is: 1-based line and column of the node at fault. */
export interface DefinitionProblem {
  line: number;
  col: number;
  /** Where the node at fault ends (1-based; the column is just past its last character). */
  endLine: number;
  endCol: number;
  /** The field, e.g. `steps[2].http.url`; `(top level)` for the document itself. */
  path: string;
  /** The same path as segments (step indexes are numbers). */
  segments: FieldPath;
  /** What is wrong and how to fix it. */
  message: string;
  /** `error`: a run refuses the definition; `warning`: YAML's advice, a run goes ahead. */
  severity: 'error' | 'warning';
  /** `yaml`: the text is not YAML; `size`: the file is too large; `schema`: the workflow language. */
  source: 'yaml' | 'size' | 'schema';
}

export interface DefinitionCheck {
  /** The validated definition; undefined when there is an error. */
  definition?: CustomDefinition;
  /** Every problem, in the order of the text (errors and warnings). */
  problems: DefinitionProblem[];
  /** The parsed document and its line counter (undefined when the text is too large to parse). */
  doc?: Document;
  /** The document as plain data (undefined when it is not YAML or expands too many aliases). */
  raw?: unknown;
  lineCounter?: LineCounter;
}

/**
 * The one checker of custom workflow text: parses it and validates it as a run would, returning
 * every problem with its position. A run refuses the text when any problem is an error.
 */
export function checkDefinition(textOf: string, defaultName: string, options: ValidateOptions): DefinitionCheck {
  const bytes = Buffer.byteLength(textOf);
  if (bytes > MAX_DEFINITION_BYTES) {
    return {
      problems: [
        {
          line: 1,
          col: 1,
          endLine: 1,
          endCol: 1,
          path: formatPath([]),
          segments: [],
          message: `${bytes} bytes; a workflow file may be at most ${MAX_DEFINITION_BYTES} bytes`,
          severity: 'error',
          source: 'size',
        },
      ],
    };
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(textOf, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const yamlProblem = (e: (typeof doc.errors)[number], severity: 'error' | 'warning'): DefinitionProblem => {
    const pos = e.linePos?.[0] ?? lineCounter.linePos(e.pos[0]);
    const end = e.linePos?.[1] ?? lineCounter.linePos(e.pos[1]);
    return {
      line: pos.line,
      col: pos.col,
      endLine: end.line,
      endCol: end.col,
      path: formatPath([]),
      segments: [],
      message: e.message.split('\n')[0],
      severity,
      source: 'yaml',
    };
  };
  if (doc.errors.length > 0) {
    return {
      problems: [
        ...doc.errors.map((e) => yamlProblem(e, 'error')),
        ...doc.warnings.map((e) => yamlProblem(e, 'warning')),
      ],
      doc,
      lineCounter,
    };
  }
  const warnings = doc.warnings.map((e) => yamlProblem(e, 'warning'));
  const issues: Issue[] = [];
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    // yaml refuses alias expansions past maxAliasCount (a "billion laughs" document).
    return {
      problems: [
        {
          ...yamlLess(),
          message: `${(err as Error).message}: use fewer aliases (*name), at most 100 expansions`,
          source: 'yaml',
        },
      ],
      doc,
      lineCounter,
    };
  }
  const definition = validateDefinition(raw, defaultName, options, issues);
  const problems: DefinitionProblem[] = issues.map((i) => {
    const node = nodeAt(doc, i.path, i.atKey ?? false);
    const range = node?.range;
    const pos = lineCounter.linePos(range?.[0] ?? 0);
    const end = lineCounter.linePos(range?.[1] ?? range?.[0] ?? 0);
    return {
      line: pos.line,
      col: pos.col,
      endLine: end.line,
      endCol: end.col,
      path: formatPath(i.path),
      segments: i.path,
      message: i.message,
      severity: 'error' as const,
      source: 'schema' as const,
    };
  });
  if (problems.length === 0 && !definition) {
    // validateDefinition always says why; this keeps "no definition" from ever passing silently.
    problems.push({ ...yamlLess(), message: 'not a workflow definition' });
  }
  // Stable: problems on one position keep the order the checker found them in.
  const all = [...problems, ...warnings].sort((a, b) => a.line - b.line || a.col - b.col);
  return { ...(problems.length === 0 ? { definition } : {}), problems: all, doc, lineCounter, raw };
}

function yamlLess(): Omit<DefinitionProblem, 'message'> {
  return {
    line: 1,
    col: 1,
    endLine: 1,
    endCol: 1,
    path: formatPath([]),
    segments: [],
    severity: 'error',
    source: 'schema',
  };
}

/**
 * Parses the text of `file` and validates it ({@link checkDefinition}). Throws DefinitionError whose
 * problems each read `file:LINE:COL field.path: message`.
 */
export function parseDefinition(
  textOf: string,
  file: string,
  defaultName: string,
  options: ValidateOptions,
): CustomDefinition {
  const { definition, problems } = checkDefinition(textOf, defaultName, options);
  const errors = problems.filter((p) => p.severity === 'error');
  if (definition && errors.length === 0) return definition;
  if (errors[0]?.source === 'size') throw new DefinitionError([`${file}: ${errors[0].message}`]);
  if (errors[0]?.source === 'yaml') {
    throw new DefinitionError(errors.map((e) => `${file}:${e.line}:${e.col} (YAML): ${e.message}`));
  }
  const texts = errors.slice(0, 50).map((e) => `${file}:${e.line}:${e.col} ${e.path}: ${e.message}`);
  if (errors.length > 50) texts.push(`${file}: ${errors.length - 50} more problems`);
  throw new DefinitionError(texts);
}

/** What the definitions list and reads tell of a definition: its problems, description, step count. */
export interface DefinitionSummary {
  problems: DefinitionProblem[];
  description?: string;
  steps: number;
}

const SUMMARIES_KEPT = 256;
const summaries = new Map<string, DefinitionSummary>();

/**
 * checkDefinition's problems, description and top-level step count, remembered for the most recent
 * texts (by a hash of the text, the name and the options): the definitions list and a definition's
 * read check each file once per change instead of on every request (a 200-step file takes the
 * YAML parser ~100 ms). The result is shared: read it, never change it.
 */
export function summarizeDefinition(text: string, name: string, options: ValidateOptions): DefinitionSummary {
  const key = createHash('sha256')
    .update(JSON.stringify([name, options]))
    .update('\0')
    .update(text)
    .digest('base64');
  const hit = summaries.get(key);
  if (hit) {
    summaries.delete(key);
    summaries.set(key, hit);
    return hit;
  }
  const check = checkDefinition(text, name, options);
  const top = check.raw !== null && typeof check.raw === 'object' ? (check.raw as Record<string, unknown>) : {};
  const summary: DefinitionSummary = {
    problems: check.problems,
    ...(typeof top.description === 'string' ? { description: top.description } : {}),
    steps: Array.isArray(top.steps) ? top.steps.length : 0,
  };
  summaries.set(key, summary);
  if (summaries.size > SUMMARIES_KEPT) summaries.delete(summaries.keys().next().value as string);
  return summary;
}
