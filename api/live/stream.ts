// One client's live stream, whatever the transport: subscribe first, then replay the backlog after
// the client's last event id, then pass live events on — no gap and no duplicate in between.
// A client whose unsent data grows past a bound is dropped, so it never slows anyone else.
import type { LiveEvent } from '../../lib/live';
import type { LiveHub } from './hub';

export interface Transport {
  send(event: LiveEvent): void;
  /** Bytes accepted but not yet sent to the client. */
  buffered(): number;
  /** Ends the connection because the client fell behind. */
  dropSlow(): void;
}

export class LiveStream {
  readonly channels = new Set<string>();
  private unsubscribe: (() => void) | undefined;
  /** Events that arrive while a backlog is replayed wait here. */
  private pending: LiveEvent[] | undefined;
  private sent = new Set<string>();
  private dropped = false;

  constructor(
    private readonly hub: LiveHub,
    private readonly transport: Transport,
    private readonly maxBufferedBytes: number,
  ) {}

  /** Adds channels; with `lastEventId`, first replays what they carried after it. */
  async add(channels: string[], lastEventId?: string): Promise<void> {
    const fresh = channels.filter((c) => !this.channels.has(c));
    if (fresh.length === 0) return;
    this.pending = [];
    for (const c of fresh) this.channels.add(c);
    try {
      if (!this.unsubscribe)
        this.unsubscribe = await this.hub.subscribe({ channels: this.channels, deliver: (e) => this.onEvent(e) });
      if (lastEventId !== undefined) {
        for (const e of await this.hub.backlog(fresh, lastEventId)) {
          this.sent.add(e.id);
          this.emit(e);
        }
      }
    } finally {
      const waiting = this.pending;
      this.pending = undefined;
      for (const e of waiting) if (!this.sent.has(e.id)) this.emit(e);
      this.sent.clear();
    }
  }

  private onEvent(e: LiveEvent): void {
    if (this.pending) this.pending.push(e);
    else this.emit(e);
  }

  private emit(e: LiveEvent): void {
    if (this.dropped) return;
    if (this.transport.buffered() > this.maxBufferedBytes) {
      this.dropped = true;
      this.close();
      this.transport.dropSlow();
      return;
    }
    this.transport.send(e);
  }

  close(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }
}
