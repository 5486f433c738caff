// The catalog entry of perfMonitor: probe HTTP endpoints, keep a baseline, alert on a regression.
import { perfMonitorInput } from '../../workflows/contract/inputs/perf-monitor';
import type { WorkflowTypeDef } from './types';

export const perfMonitorDef: WorkflowTypeDef<'perfMonitor'> = {
  type: 'perfMonitor',
  description:
    'Probes HTTP endpoints (p50/p95/p99, error rate), compares with the stored baseline, alerts on regression',
  input: perfMonitorInput,
};
