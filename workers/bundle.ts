// The workflow bundle, built once per content: a worker start reuses a cached bundle when neither
// the workflow sources nor the SDK changed, which keeps `npm start` fast on a warm install.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode, type WorkflowBundle } from '@temporalio/worker';
import { workflowTracingModule } from '../lib/tracing';

export const WORKFLOWS_DIR = path.resolve(__dirname, '..', 'workflows');

function sourceHash(): string {
  const hash = createHash('sha256');
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/\.(ts|js|json)$/.test(entry.name)) hash.update(entry.name).update(fs.readFileSync(full));
    }
  };
  walk(WORKFLOWS_DIR);
  // Workflows may import types from elsewhere, but types do not change the bundle.
  const sdk = require('@temporalio/workflow/package.json') as { version: string };
  hash.update(sdk.version);
  return hash.digest('hex').slice(0, 16);
}

/**
 * Builds the workflow bundle, or reads it from `cacheDir` when the sources are unchanged. With
 * tracing on it also holds Temporal's OpenTelemetry workflow interceptors (a bundle of its own).
 */
export async function workflowBundle(cacheDir?: string): Promise<WorkflowBundle> {
  const tracing = workflowTracingModule();
  const variant = tracing ? '-traced' : '';
  const file = cacheDir ? path.join(cacheDir, `workflows-${sourceHash()}${variant}.js`) : undefined;
  if (file && fs.existsSync(file)) return { code: fs.readFileSync(file, 'utf8') };
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve(WORKFLOWS_DIR),
    workflowInterceptorModules: [
      require.resolve(path.join(WORKFLOWS_DIR, 'interceptors')),
      ...(tracing ? [tracing] : []),
    ],
    logger: quietLogger,
  });
  if (file) {
    // Written whole, then renamed: a reader never sees a torn bundle. A cache that cannot be
    // written (read-only image) only costs the next start its speed.
    try {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      const tmp = `${file}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, code);
      fs.renameSync(tmp, file);
    } catch {
      // not cached
    }
  }
  return { code };
}

const noop = () => undefined;
const quietLogger = { log: noop, trace: noop, debug: noop, info: noop, warn: noop, error: noop };
