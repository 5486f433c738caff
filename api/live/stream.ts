// One client's live stream, whatever the transport: subscribe first, then replay the backlog after
// the client's last event id, then pass live events on — each event once.
//
// Exactly once: the stream remembers, per event channel, the ids it has sent (the most recent
// SENT_IDS_KEPT of them) and never sends one again. That drops a NOTIFY that arrives after the
// backlog already replayed its row, however late. It does not drop an event because a higher id
// went out first: ids are taken when a row is inserted but heard when its transaction commits, so
// two writers on one channel (a turn's commit and its last streamed text) are heard in either order,
// and the lower id is still news. A resume's `lastEventId` is the floor of the channels it names:
// the client has everything up to it, so a late NOTIFY of such an event is dropped too. Subscribes
// run one at a time, so a second one cannot take over the first's buffer. A client whose unsent
// data grows past a bound is dropped, so it never slows anyone else.
import type { LiveEvent } from '../../lib/live';
import { matches } from './channels';
import type { LiveHub } from './hub';

export interface Transport {
  send(event: LiveEvent): void;
  /** Bytes accepted but not yet sent to the client. */
  buffered(): number;
  /** Ends the connection because the client fell behind. */
  dropSlow(): void;
}

/** Sent ids remembered per channel: far more than can be in flight between an insert and its commit. */
const SENT_IDS_KEPT = 10_000;

export class LiveStream {
  readonly channels = new Set<string>();
  private unsubscribe: (() => void) | undefined;
  /** Events that arrive while a backlog is replayed wait here. */
  private pending: LiveEvent[] | undefined;
  /** Event channel → the ids sent on it (the newest SENT_IDS_KEPT), and the floor below which ids count as sent. */
  private readonly sent = new Map<string, { ids: Set<bigint>; floor: bigint }>();
  /** Subscription → the `lastEventId` it resumed after: the client has every event up to it. */
  private readonly resumedAfter = new Map<string, bigint>();
  private adding: Promise<void> = Promise.resolve();
  private dropped = false;

  constructor(
    private readonly hub: Pick<LiveHub, 'subscribe' | 'backlog'>,
    private readonly transport: Transport,
    private readonly maxBufferedBytes: number,
  ) {}

  /** Adds channels; with `lastEventId`, first replays what they carried after it. One call at a time. */
  add(channels: string[], lastEventId?: string): Promise<void> {
    const run = this.adding.then(() => this.addNow(channels, lastEventId));
    this.adding = run.catch(() => undefined);
    return run;
  }

  private async addNow(channels: string[], lastEventId: string | undefined): Promise<void> {
    const fresh = channels.filter((c) => !this.channels.has(c));
    if (fresh.length === 0) return;
    this.pending = [];
    for (const c of fresh) {
      this.channels.add(c);
      if (lastEventId === undefined) this.resumedAfter.delete(c);
      else this.resumedAfter.set(c, BigInt(lastEventId));
    }
    try {
      if (!this.unsubscribe)
        this.unsubscribe = await this.hub.subscribe({ channels: this.channels, deliver: (e) => this.onEvent(e) });
      if (lastEventId !== undefined) for (const e of await this.hub.backlog(fresh, lastEventId)) this.emit(e);
    } finally {
      const waiting = this.pending;
      this.pending = undefined;
      for (const e of waiting) this.emit(e);
    }
  }

  private onEvent(e: LiveEvent): void {
    if (this.pending) this.pending.push(e);
    else this.emit(e);
  }

  /** The id at or below which an event on `channel` is not sent: the client has all of those. */
  private floor(channel: string): bigint {
    // A resume's starting point counts only if every subscription that wants the event resumed.
    let resumed: bigint | undefined;
    for (const sub of this.channels) {
      if (!matches(sub, channel)) continue;
      const after = this.resumedAfter.get(sub) ?? -1n;
      if (resumed === undefined || after < resumed) resumed = after;
    }
    const kept = this.sent.get(channel)?.floor ?? -1n;
    return resumed !== undefined && resumed > kept ? resumed : kept;
  }

  private emit(e: LiveEvent): void {
    if (this.dropped) return;
    const id = BigInt(e.id);
    if (id <= this.floor(e.channel) || this.sent.get(e.channel)?.ids.has(id)) return;
    if (this.transport.buffered() > this.maxBufferedBytes) {
      this.dropped = true;
      this.close();
      this.transport.dropSlow();
      return;
    }
    const sent = this.sent.get(e.channel) ?? { ids: new Set<bigint>(), floor: -1n };
    this.sent.set(e.channel, sent);
    sent.ids.add(id);
    if (sent.ids.size > SENT_IDS_KEPT) {
      // Forget the oldest sent (a Set iterates in insertion order); ids at or below it count as sent.
      const oldest = sent.ids.values().next().value as bigint;
      sent.ids.delete(oldest);
      if (oldest > sent.floor) sent.floor = oldest;
    }
    this.transport.send(e);
  }

  close(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }
}
