// LiveStream against a fake hub whose backlog and live delivery interleave on purpose: every event
// reaches the client once, however late its NOTIFY arrives.
import { matches } from '../../api/live/channels';
import type { LiveHub } from '../../api/live/hub';
import { LiveStream } from '../../api/live/stream';
import type { LiveEvent } from '../../lib/live';

type Subscriber = Parameters<LiveHub['subscribe']>[0];

const ev = (id: number, channel = 'workflow:w1'): LiveEvent => ({
  id: String(id),
  channel,
  type: 'step',
  data: { n: id },
  at: new Date(0).toISOString(),
});

/** A hub whose backlog answers when the test says so, with what the test says. */
class FakeHub {
  readonly subscribers = new Set<Subscriber>();
  private backlogs: { channels: string[]; afterId: string; answer(events: LiveEvent[]): void }[] = [];

  async subscribe(sub: Subscriber): Promise<() => void> {
    await Promise.resolve();
    this.subscribers.add(sub);
    return () => this.subscribers.delete(sub);
  }

  backlog(channels: string[], afterId: string): Promise<LiveEvent[]> {
    return new Promise((answer) => this.backlogs.push({ channels, afterId, answer }));
  }

  /** A NOTIFY reaching this process: to every subscriber of the event's channel. */
  deliver(e: LiveEvent): void {
    for (const s of this.subscribers) if ([...s.channels].some((c) => matches(c, e.channel))) s.deliver(e);
  }

  /** Lets `add` run until `check` holds (a few microtask turns at most). */
  async until(check: () => boolean): Promise<void> {
    for (let i = 0; i < 20 && !check(); i++) await Promise.resolve();
    if (!check()) throw new Error('the stream did not get there');
  }

  /** Until a backlog query is waiting: the stream has subscribed and buffers live events. */
  backlogWaiting(): Promise<void> {
    return this.until(() => this.backlogs.length > 0);
  }

  /** Answers the oldest backlog query still waiting. */
  async answerBacklog(pick: (q: { channels: string[]; afterId: string }) => LiveEvent[]): Promise<void> {
    await this.backlogWaiting();
    const q = this.backlogs.shift();
    if (!q) throw new Error('no backlog query is waiting');
    q.answer(pick(q));
  }
}

function streamOn(hub: FakeHub) {
  const sent: LiveEvent[] = [];
  const stream = new LiveStream(
    hub as unknown as LiveHub,
    { send: (e) => sent.push(e), buffered: () => 0, dropSlow: () => undefined },
    1024,
  );
  return { stream, sent, ids: () => sent.map((e) => Number(e.id)) };
}

/** The rows after `afterId` among `rows`, as the real backlog query returns them. */
const after = (rows: LiveEvent[]) => (q: { afterId: string }) => rows.filter((e) => Number(e.id) > Number(q.afterId));

test('a NOTIFY that arrives after the backlog replayed its row is not sent again', async () => {
  const hub = new FakeHub();
  const { stream, ids } = streamOn(hub);
  const adding = stream.add(['workflow:w1'], '1');
  await hub.answerBacklog(after([ev(1), ev(2), ev(3), ev(4)]));
  await adding;
  // The notifications of 2-4 were still on their way when the backlog answered.
  for (const n of [2, 3, 4]) hub.deliver(ev(n));
  hub.deliver(ev(5));
  expect(ids()).toEqual([2, 3, 4, 5]);
});

test('events that arrive while the backlog replays are sent once, after it, in order', async () => {
  const hub = new FakeHub();
  const { stream, ids } = streamOn(hub);
  const adding = stream.add(['workflow:w1'], '1');
  await hub.backlogWaiting();
  hub.deliver(ev(3)); // also in the backlog
  hub.deliver(ev(5)); // committed after the backlog query
  await hub.answerBacklog(after([ev(2), ev(3), ev(4)]));
  await adding;
  hub.deliver(ev(4)); // late
  hub.deliver(ev(6));
  expect(ids()).toEqual([2, 3, 4, 5, 6]);
});

test('a late NOTIFY of an event at or before lastEventId is not sent: the client had it', async () => {
  const hub = new FakeHub();
  const { stream, ids } = streamOn(hub);
  const adding = stream.add(['workflow:w1'], '4');
  await hub.backlogWaiting();
  hub.deliver(ev(4));
  await hub.answerBacklog(after([ev(4), ev(5)]));
  await adding;
  hub.deliver(ev(3));
  expect(ids()).toEqual([5]);
});

test('each channel has its own mark; a subscription without lastEventId gets every live event', async () => {
  const hub = new FakeHub();
  const { stream, sent } = streamOn(hub);
  await stream.add(['session:a', 'memory:code/']);
  hub.deliver(ev(10, 'session:a'));
  hub.deliver(ev(7, 'memory:code/auth')); // another channel's lower id is not a duplicate
  hub.deliver(ev(8, 'memory:code/db'));
  hub.deliver(ev(10, 'session:a'));
  hub.deliver(ev(7, 'memory:code/auth'));
  expect(sent.map((e) => `${e.channel}#${e.id}`)).toEqual(['session:a#10', 'memory:code/auth#7', 'memory:code/db#8']);
});

test('two subscribes sent back to back: one hub subscription, nothing lost or doubled', async () => {
  const hub = new FakeHub();
  const { stream, sent } = streamOn(hub);
  const first = stream.add(['workflow:a'], '1');
  const second = stream.add(['workflow:b'], '1');
  await hub.answerBacklog(after([ev(2, 'workflow:a')]));
  await first;
  await hub.backlogWaiting();
  hub.deliver(ev(4, 'workflow:a')); // while b's backlog is replayed
  await hub.answerBacklog(after([ev(3, 'workflow:b')]));
  await second;
  hub.deliver(ev(5, 'workflow:b'));
  expect(hub.subscribers.size).toBe(1);
  expect(sent.map((e) => `${e.channel}#${e.id}`)).toEqual([
    'workflow:a#2',
    'workflow:b#3',
    'workflow:a#4',
    'workflow:b#5',
  ]);
  stream.close();
  expect(hub.subscribers.size).toBe(0);
});

test('an event heard after a higher id of its channel is still sent: ids are taken at insert, heard at commit', async () => {
  const hub = new FakeHub();
  const { stream, ids } = streamOn(hub);
  await stream.add(['session:a']);
  // A turn's transaction took id 11 for session.updated; its last streamed text (12) committed first.
  hub.deliver(ev(10, 'session:a'));
  hub.deliver(ev(12, 'session:a'));
  hub.deliver(ev(11, 'session:a'));
  hub.deliver(ev(12, 'session:a')); // and a duplicate is still dropped
  expect(ids()).toEqual([10, 12, 11]);
});
