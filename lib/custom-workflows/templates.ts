// Templates for new custom workflow definitions, shipped in the repository
// (lib/custom-workflows/templates/*.yaml). Each one validates cleanly (test/api/definitions.test.ts).
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { sha256 } from './load';
import { NAME_PATTERN } from './schema';

export const TEMPLATES_DIR = path.join(__dirname, 'templates');

export interface DefinitionTemplate {
  /** The template's name (its file name without .yaml), also the name a definition made from it gets by default. */
  name: string;
  description: string;
  text: string;
  hash: string;
}

/** The templates, sorted by name; read from disk each time (a few small files). */
export function listTemplates(): DefinitionTemplate[] {
  return fs
    .readdirSync(TEMPLATES_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => {
      const text = fs.readFileSync(path.join(TEMPLATES_DIR, f), 'utf8');
      const doc = parse(text) as { description?: unknown } | null;
      const description = typeof doc?.description === 'string' ? doc.description : '';
      return { name: f.slice(0, -'.yaml'.length), description, text, hash: sha256(text) };
    });
}

export function findTemplate(name: string): DefinitionTemplate | undefined {
  if (!NAME_PATTERN.test(name)) return undefined;
  return listTemplates().find((t) => t.name === name);
}
