// Finding, reading and pinning custom workflow files (`<workspace>/.claude-flow/workflows/*.yaml`),
// and checking a run's inputs against the definition's declared inputs.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { CustomDefinition, InputSpec } from '../../workflows/contract/custom-types';
import type { Config } from '../config';
import { NAME_PATTERN } from './schema';
import { DefinitionError, parseDefinition, type ValidateOptions } from './validate';

export const DEFINITIONS_SUBDIR = path.join('.claude-flow', 'workflows');

/** What definitions are validated against: the shell allowlist and the catalog's types. */
export function validateOptions(config: Config, workflowTypes: readonly string[]): ValidateOptions {
  return { shellAllowlist: config.customWorkflows.shellAllowlist, workflowTypes };
}

export function definitionsDir(workspaceDir: string): string {
  return path.join(workspaceDir, DEFINITIONS_SUBDIR);
}

export interface LoadedDefinition {
  name: string;
  /** Relative to the workspace, e.g. .claude-flow/workflows/deploy.yaml */
  file: string;
  hash: string;
  /** The file's text as it was read. */
  source: string;
  definition: CustomDefinition;
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The names of the definition files present (without extension), sorted. */
export function listDefinitionNames(workspaceDir: string): string[] {
  try {
    return fs
      .readdirSync(definitionsDir(workspaceDir))
      .filter((f) => /\.ya?ml$/.test(f))
      .map((f) => f.replace(/\.ya?ml$/, ''))
      .sort();
  } catch {
    return [];
  }
}

/** Reads and validates `<name>.yaml` (or `.yml`); throws DefinitionError saying what to fix. */
export function loadDefinition(workspaceDir: string, name: string, options: ValidateOptions): LoadedDefinition {
  if (!NAME_PATTERN.test(name)) {
    throw new DefinitionError([
      `"${name}" is not a workflow name: use the file name without .yaml (letters, digits, . _ -), e.g. "release"`,
    ]);
  }
  const dir = definitionsDir(workspaceDir);
  const candidates = [`${name}.yaml`, `${name}.yml`];
  for (const f of candidates) {
    let source: string;
    try {
      source = fs.readFileSync(path.join(dir, f), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw err;
    }
    const file = path.join(DEFINITIONS_SUBDIR, f);
    const definition = parseDefinition(source, file, name, options);
    return { name, file, hash: sha256(source), source, definition };
  }
  const known = listDefinitionNames(workspaceDir);
  throw new DefinitionError([
    `no custom workflow "${name}": ${path.join(DEFINITIONS_SUBDIR, `${name}.yaml`)} does not exist in ${workspaceDir}` +
      (known.length ? `; defined: ${known.join(', ')}` : '; add the file (see the README, custom workflows)'),
  ]);
}

function typeOf(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
}

/** The run's inputs: checked against the declared types, defaults applied. Throws DefinitionError. */
export function resolveInputs(
  name: string,
  declared: Record<string, InputSpec>,
  given: Record<string, unknown> | undefined,
): Record<string, unknown> {
  const problems: string[] = [];
  const out: Record<string, unknown> = {};
  // Own properties only: `constructor` or `__proto__` is in every object, not declared by anyone.
  const has = (o: object | undefined, key: string) => o !== undefined && Object.prototype.hasOwnProperty.call(o, key);
  for (const key of Object.keys(given ?? {})) {
    if (!has(declared, key)) {
      const names = Object.keys(declared);
      problems.push(
        `inputs.${key}: workflow "${name}" has no input "${key}"; ${names.length ? `its inputs are: ${names.join(', ')}` : 'it declares no inputs'}`,
      );
    }
  }
  for (const [key, spec] of Object.entries(declared)) {
    const v = has(given, key) ? given?.[key] : undefined;
    if (v === undefined) {
      if (spec.default !== undefined) out[key] = spec.default;
      else if (spec.required) {
        problems.push(
          `inputs.${key}: required by workflow "${name}"${spec.description ? ` (${spec.description})` : ''}; give it`,
        );
      }
      continue;
    }
    if (spec.type !== 'any' && typeOf(v) !== spec.type) {
      problems.push(`inputs.${key}: expected ${spec.type}, got ${typeOf(v)}`);
      continue;
    }
    out[key] = v;
  }
  if (problems.length) throw new DefinitionError(problems);
  return out;
}
