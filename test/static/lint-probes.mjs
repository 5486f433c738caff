// Lints source texts as if they were files at the given paths, with the project's ESLint config
// (type-aware rules off: the probes are not on disk). Reads [{file, source}] as JSON on stdin and
// prints, per probe, the "rule: message" lines ESLint reports. Used by layering.test.ts (Jest cannot
// load the ESM config in its VM).
import path from 'node:path';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';

const root = path.resolve(import.meta.dirname, '../..');
const eslint = new ESLint({ cwd: root, overrideConfig: [tseslint.configs.disableTypeChecked] });
let input = '';
for await (const chunk of process.stdin) input += chunk;
const out = [];
for (const { file, source } of JSON.parse(input)) {
  const [result] = await eslint.lintText(source, { filePath: path.join(root, file) });
  out.push(result.messages.map((m) => `${m.ruleId}: ${m.message}`));
}
process.stdout.write(JSON.stringify(out));
