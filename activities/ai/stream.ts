// Streams a call's text deltas as live events, coalesced (one event per ~40 ms of tokens) so a
// fast model does not turn into one database row per token.
import type pg from 'pg';
import { publish } from '../../lib/live';

const FLUSH_MS = 40;

export class DeltaPublisher {
  private buffer = '';
  private seq = 0;
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly pool: pg.Pool,
    readonly channel: string,
    private readonly base: { callKey: string; attempt: number; provider: string; model: string },
  ) {}

  start(): void {
    this.enqueue('ai.started', {});
  }

  push(text: string): void {
    this.buffer += text;
    this.timer ??= setTimeout(() => this.flush(), FLUSH_MS);
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.buffer) return;
    const text = this.buffer;
    this.buffer = '';
    this.enqueue('ai.delta', { seq: this.seq++, text });
  }

  private enqueue(type: string, data: object): void {
    // Events go out one after another, so ids follow the order of the text.
    this.chain = this.chain
      .then(() => publish(this.pool, this.channel, type, { ...this.base, ...data }))
      .catch(() => undefined);
  }

  /** Flushes what is buffered, then marks the attempt finished (`ai.completed` or `ai.failed`). */
  async end(type: 'ai.completed' | 'ai.failed', data: object): Promise<void> {
    this.flush();
    this.enqueue(type, data);
    await this.chain;
  }
}
