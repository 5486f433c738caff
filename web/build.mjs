// Builds the dashboard (web/ → web/dist/) when its sources changed since the last build. Run by
// `npm install` (postinstall, after prisma generate), `npm run build:web`, and the dashboard's
// end-to-end test; `--force` rebuilds anyway. The build is offline: Vite and the app's packages
// come from node_modules. Without Vite (an install with --omit=dev) it says so and builds nothing;
// the API then answers / with how to build it.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const webDir = path.dirname(fileURLToPath(import.meta.url));
const outDir = path.join(webDir, 'dist');
const stampFile = path.join(outDir, '.source-hash');
/** What the build reads: the sources, the page, the build config, the locked package versions and the
 * workflow contract (the designer imports its step kinds and schemas). */
const INPUTS = ['src', 'index.html', 'vite.config.mts', 'build.mjs', '../package-lock.json', '../workflows/contract'];

function files(p) {
  const full = path.join(webDir, p);
  if (!fs.existsSync(full)) return [];
  if (!fs.statSync(full).isDirectory()) return [full];
  return fs
    .readdirSync(full)
    .sort()
    .flatMap((name) => files(path.join(p, name)));
}

/** A hash of every input's path and bytes. */
export function sourceHash() {
  const h = createHash('sha256');
  for (const f of INPUTS.flatMap(files)) h.update(path.relative(webDir, f)).update('\0').update(fs.readFileSync(f));
  return h.digest('hex');
}

/** Whether web/dist/ was built from the sources as they are now. */
export function isFresh() {
  try {
    return fs.readFileSync(stampFile, 'utf8').trim() === sourceHash() && fs.existsSync(path.join(outDir, 'index.html'));
  } catch {
    return false;
  }
}

export async function buildDashboard({ force = false } = {}) {
  if (!force && isFresh()) return { built: false, outDir };
  // Always a production build (minified, React's production bundle), whatever NODE_ENV the caller
  // runs with: under jest it is "test", which would give React's development build.
  process.env.NODE_ENV = 'production';
  let vite;
  try {
    vite = await import('vite');
  } catch {
    console.warn('Dashboard not built: Vite is not installed (an install without dev dependencies). Run npm install.');
    return { built: false, outDir };
  }
  const hash = sourceHash();
  const t0 = performance.now();
  await vite.build({ root: webDir, configFile: path.join(webDir, 'vite.config.mts') });
  fs.writeFileSync(stampFile, `${hash}\n`);
  console.log(
    `Dashboard built into ${path.relative(process.cwd(), outDir) || outDir} in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
  return { built: true, outDir };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  buildDashboard({ force: process.argv.includes('--force') }).catch((err) => {
    console.error(`Dashboard build failed: ${err?.message ?? err}`);
    process.exitCode = 1;
  });
}
