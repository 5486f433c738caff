// The Temporal SDK's process-wide runtime: logging through our logger at warn and above, and the
// SDK's worker metrics exported by its core to a Prometheus endpoint on a loopback port of its
// own, which /metrics serves together with Claude Flow's (lib/metrics.ts).
import { DefaultLogger, Runtime } from '@temporalio/worker';
import type { Config } from '../lib/config';
import type { Logger } from '../lib/logger';
import { serveAlongside } from '../lib/metrics';
import { freePort } from '../stack/temporal-server';

export interface RuntimeOptions {
  /** Where the SDK's Prometheus exporter listens (see {@link sdkMetricsAddress}); unset: no SDK metrics. */
  metricsAddress?: string;
}

/** A loopback address for the SDK's metrics when TEMPORAL_SDK_METRICS is on. */
export async function sdkMetricsAddress(config: Pick<Config, 'metrics'>): Promise<string | undefined> {
  return config.metrics.temporalSdk ? `127.0.0.1:${await freePort()}` : undefined;
}

/**
 * Installs the runtime unless one already exists in this process (then the existing one stays).
 * Metric names follow Prometheus' conventions: seconds, `_seconds` and `_total` suffixes
 * (`temporal_workflow_task_schedule_to_start_latency_seconds`, `temporal_sticky_cache_hit_total`).
 */
export function installTemporalRuntime(logger: Logger, options: RuntimeOptions = {}): void {
  const sdkLogger = new DefaultLogger('WARN', ({ level, message, meta }) => {
    const fn = (level === 'ERROR' ? 'error' : 'warn') as 'error' | 'warn';
    logger[fn]({ ...meta, sdk: 'temporal' }, message);
  });
  const bindAddress = options.metricsAddress;
  try {
    Runtime.install({
      logger: sdkLogger,
      telemetryOptions: {
        logging: { forward: {}, filter: { core: 'WARN', other: 'ERROR' } },
        ...(bindAddress && {
          metrics: {
            prometheus: { bindAddress, countersTotalSuffix: true, unitSuffix: true, useSecondsForDurations: true },
          },
        }),
      },
    });
  } catch (err) {
    if ((err as Error).name !== 'IllegalStateError') throw err;
    return;
  }
  if (bindAddress) serveAlongside(`http://${bindAddress}/metrics`);
}
