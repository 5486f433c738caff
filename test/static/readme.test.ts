// The README stays true: every setting is documented, and the two Quick start commands are there.
import fs from 'node:fs';
import path from 'node:path';
import { findProjectRoot, SETTINGS } from '../../lib/config';

const readme = fs.readFileSync(path.join(findProjectRoot(), 'README.md'), 'utf8');

test.each(Object.values(SETTINGS).map((s) => [s.env, s.file]))('README documents %s (%s)', (env, file) => {
  expect(readme).toMatch(new RegExp(`\\|\\s*\`${env}\`\\s*\\|\\s*\`${file.replace(/\./g, '\\.')}\`\\s*\\|`));
});

test('Quick start has exactly the two commands', () => {
  expect(readme).toContain('npm install && npm start');
  expect(readme).toContain('npm install && npm test');
});
