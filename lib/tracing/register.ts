// Imported first by every entry point (`import '../lib/tracing/register'` above all other imports):
// starts tracing before `http`, `pg` and express are loaded, so their instrumentation can hook them.
// A bad setting is left for the entry point's own loadConfig to report.
import { ConfigError, loadConfig } from '../config';
import { startTracing } from '.';

try {
  startTracing(loadConfig().tracing);
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
}
