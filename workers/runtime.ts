// The Temporal SDK's process-wide runtime, logging through our logger at warn and above.
import { DefaultLogger, Runtime } from '@temporalio/worker';
import type { Logger } from '../lib/logger';

/** Installs the runtime unless one already exists in this process (then the existing one stays). */
export function installTemporalRuntime(logger: Logger): void {
  const sdkLogger = new DefaultLogger('WARN', ({ level, message, meta }) => {
    const fn = (level === 'ERROR' ? 'error' : 'warn') as 'error' | 'warn';
    logger[fn]({ ...meta, sdk: 'temporal' }, message);
  });
  try {
    Runtime.install({
      logger: sdkLogger,
      telemetryOptions: { logging: { forward: {}, filter: { core: 'WARN', other: 'ERROR' } } },
    });
  } catch (err) {
    if ((err as Error).name !== 'IllegalStateError') throw err;
  }
}
