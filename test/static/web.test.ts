// The dashboard (web/) type-checks with its own tsconfig (DOM types, JSX), which the root project
// excludes: without this, `npx tsc --noEmit` alone would never look at it.
import { execFileSync } from 'node:child_process';
import path from 'node:path';

test('web/ type-checks', () => {
  const root = path.resolve(__dirname, '../..');
  const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  expect(() =>
    execFileSync(process.execPath, [tsc, '--noEmit', '-p', path.join(root, 'web')], { stdio: 'pipe' }),
  ).not.toThrow();
});
