// The bare baseline for bench/session-step: an entity workflow whose update runs one activity and
// returns its result. Nothing else.
import { condition, defineSignal, defineUpdate, proxyActivities, setHandler } from '@temporalio/workflow';

const { echo } = proxyActivities<{ echo(text: string): Promise<string> }>({ startToCloseTimeout: '1 minute' });

export const step = defineUpdate<string, [string]>('step');
export const stop = defineSignal('stop');

export async function bareEntity(): Promise<void> {
  let done = false;
  setHandler(step, (text) => echo(text));
  setHandler(stop, () => void (done = true));
  await condition(() => done);
}
