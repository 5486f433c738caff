// The README stays true: every setting is documented, and the two Quick start commands are there.
import fs from 'node:fs';
import path from 'node:path';
import { documentedDefault, findProjectRoot, SETTINGS } from '../../lib/config';

const readme = fs.readFileSync(path.join(findProjectRoot(), 'README.md'), 'utf8');

test.each(Object.values(SETTINGS).map((s) => [s.env, s.file]))('README documents %s (%s)', (env, file) => {
  expect(readme).toMatch(new RegExp(`\\|\\s*\`${env}\`\\s*\\|\\s*\`${file.replace(/\./g, '\\.')}\`\\s*\\|`));
});

// The default column shows the schema's default (long lists may say "see meaning" instead).
const withDefault = Object.values(SETTINGS).flatMap((s) => {
  const d = documentedDefault(s);
  return d === undefined ? [] : [[s.env, d]];
});
test.each(withDefault)('README gives the default of %s as %s', (env, d) => {
  const row = readme.split('\n').find((line) => line.startsWith(`| \`${env}\``));
  expect([`\`${d}\``, 'see meaning']).toContain(row?.split('|')[3]?.trim());
});

test('Quick start has exactly the two commands', () => {
  expect(readme).toContain('npm install && npm start');
  expect(readme).toContain('npm install && npm test');
});
