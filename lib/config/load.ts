// Reading the settings: every one is looked up in the environment and the two config files, then
// validated against its schema, once; the result becomes the typed `Config` (shape.ts).
//
// Sources, later winning: defaults < config/claude-flow.json < .claude-flow/settings.json < environment.
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError, toConfig, type Config } from './shape';
import { SETTINGS, type SettingSpec, type Values } from './settings';
import { tracingConfig } from './tracing';

type Source = 'environment' | 'config/claude-flow.json' | '.claude-flow/settings.json';

interface LoadOptions {
  env?: Record<string, string | undefined>;
  projectRoot?: string;
}

export const MAIN_CONFIG_FILE = path.join('config', 'claude-flow.json');
export const USER_SETTINGS_FILE = path.join('.claude-flow', 'settings.json');

function readJsonFile(root: string, file: string): Record<string, unknown> {
  const full = path.join(root, file);
  let text: string;
  try {
    text = fs.readFileSync(full, 'utf8');
  } catch {
    return {};
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new ConfigError(`${file}: expected a JSON object at the top level`);
    }
    return parsed as Record<string, unknown>;
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(`${file} is not valid JSON: ${(err as Error).message}`);
  }
}

function lookup(obj: Record<string, unknown>, dotted: string): unknown {
  let cur: unknown = obj;
  for (const part of dotted.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

function show(value: unknown, secret: boolean | undefined): string {
  if (secret) return '"<hidden>"';
  return JSON.stringify(value);
}

/** Reads and validates every setting; throws a one-line ConfigError on the first bad value. */
export function loadConfig(options: LoadOptions = {}): Config {
  const env = options.env ?? process.env;
  const projectRoot = path.resolve(options.projectRoot ?? findProjectRoot());
  const main = readJsonFile(projectRoot, MAIN_CONFIG_FILE);
  const user = readJsonFile(projectRoot, USER_SETTINGS_FILE);

  const values = {} as Record<string, unknown>;
  for (const [name, spec] of Object.entries(SETTINGS) as [string, SettingSpec][]) {
    let raw: unknown;
    let source: Source | undefined;
    const fromEnv = env[spec.env];
    if (fromEnv !== undefined && fromEnv !== '') {
      raw = fromEnv;
      source = 'environment';
    } else if (lookup(user, spec.file) !== undefined) {
      raw = lookup(user, spec.file);
      source = '.claude-flow/settings.json';
    } else if (lookup(main, spec.file) !== undefined) {
      raw = lookup(main, spec.file);
      source = 'config/claude-flow.json';
    }
    const parsed = spec.schema.safeParse(raw);
    if (!parsed.success) {
      const where = source === 'environment' ? spec.env : `${spec.file} in ${source}`;
      throw new ConfigError(`Invalid setting ${where}=${show(raw, spec.secret)}: allowed: ${spec.allowed}`);
    }
    values[name] = parsed.data;
  }
  return toConfig(values as Values, projectRoot, tracingConfig(env));
}

/** The folder holding package.json above this module (the checkout), so commands work from any cwd. */
export function findProjectRoot(): string {
  return path.resolve(__dirname, '..', '..');
}
