// Live channel names a client may subscribe to, and which events a subscription receives.
import { z } from 'zod';

/**
 * `session:<id>`, `workflow:<id>`, `analytics`, `workflows` (run starts and ends), or `memory:<prefix>` where the prefix is a
 * namespace prefix (`memory:` alone: every namespace; `memory:code/`: code/ and below).
 */
export const channelName = z
  .string()
  .regex(
    /^((session|workflow):[A-Za-z0-9._:/-]{1,400}|memory:([A-Za-z0-9._:-]+\/)*|analytics|workflows)$/,
    'session:<id>, workflow:<id>, memory:<namespace prefix>, analytics or workflows',
  );

export const channelList = z.array(channelName).min(1).max(100);

/** True when an event on `channel` belongs to the subscription `sub`. */
export function matches(sub: string, channel: string): boolean {
  if (sub.startsWith('memory:')) return channel.startsWith(sub);
  return sub === channel;
}
