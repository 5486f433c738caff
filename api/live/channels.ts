// Live channel names a client may subscribe to, and which events a subscription receives.
import { z } from 'zod';

/**
 * `session:<id>`, `sessions` (every session's `session.updated`), `workflow:<id>`, `workflows` (run
 * starts and ends), `analytics`, `definitions` (every custom workflow definition change), or
 * `memory:<prefix>` where the prefix is a namespace prefix (`memory:` alone: every namespace;
 * `memory:code/`: code/ and below), or `audit` (that audit rows were written: counts only).
 */
export const channelName = z
  .string()
  .regex(
    /^((session|workflow):[A-Za-z0-9._:/-]{1,400}|memory:([A-Za-z0-9._:-]+\/)*|analytics|sessions|workflows|definitions|audit)$/,
    'session:<id>, sessions, workflow:<id>, workflows, memory:<namespace prefix>, analytics, definitions or audit',
  );

export const channelList = z.array(channelName).min(1).max(100);

/** True when an event on `channel` belongs to the subscription `sub`. */
export function matches(sub: string, channel: string): boolean {
  if (sub.startsWith('memory:')) return channel.startsWith(sub);
  return sub === channel;
}
