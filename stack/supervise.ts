// Keeps a part of `npm start` running: when it ends while the stack is not stopping, it is started
// again the same way (same ports, same data) after a back-off of 1 s, doubling up to 30 s. A part
// that needs more than 5 restarts within 5 minutes is given up on, and the stack stops.

export interface SupervisedPart {
  /** Settles when the part has ended, with how: `exited (code 1)`, `was killed (SIGKILL)`, `stopped: <error>`. */
  ended: Promise<string>;
  /** Stops it for good (the supervisor is stopping too). */
  stop(): Promise<void>;
  /** For the message once it runs again, e.g. `pid 1234`. */
  describe?(): string;
}

export interface RestartPolicy {
  /** @default 1_000 */
  firstDelayMs: number;
  /** @default 30_000 */
  maxDelayMs: number;
  /** Restarts allowed within `windowMs`; one more and the supervisor gives up. @default 5 */
  maxRestarts: number;
  /** @default 300_000 */
  windowMs: number;
  /** An end this soon after a stop of the whole stack began is part of it, not a fault. @default 200 */
  settleMs: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = {
  firstDelayMs: 1_000,
  maxDelayMs: 30_000,
  maxRestarts: 5,
  windowMs: 5 * 60_000,
  settleMs: 200,
};

export interface SupervisorOptions<T extends SupervisedPart> {
  /** As it reads in a sentence: `Temporal dev server`, `PostgreSQL`, `the worker`. */
  name: string;
  /** The part as first started. */
  first: T;
  /** Starts it again. */
  start(): Promise<T>;
  /** Called with each restarted part, before it is watched. */
  restarted?(part: T): void;
  /** One line for the terminal and the log. */
  report(line: string, level: 'warn' | 'error' | 'info'): void;
  /** The supervisor gave up: stop the stack. */
  giveUp(why: string): void;
  /** True once the whole stack is stopping (an end then is no fault). */
  stopping(): boolean;
  policy?: Partial<RestartPolicy>;
}

const seconds = (ms: number) => `${Number((ms / 1000).toFixed(1))} s`;

export class Supervisor<T extends SupervisedPart> {
  private current: T | undefined;
  private stopped = false;
  private readonly restarts: number[] = [];
  private readonly policy: RestartPolicy;
  private wake: (() => void) | undefined;
  private restarting: Promise<void> | undefined;

  constructor(private readonly opts: SupervisorOptions<T>) {
    this.policy = { ...DEFAULT_RESTART_POLICY, ...opts.policy };
    this.watch(opts.first);
  }

  /** The part running now (undefined while it is being restarted). */
  get part(): T | undefined {
    return this.current;
  }

  /** How many restarts are counted in the current window. */
  get restartCount(): number {
    return this.restarts.length;
  }

  private watch(part: T): void {
    this.current = part;
    void part.ended.then((how) => this.onEnded(part, how));
  }

  private async onEnded(part: T, how: string): Promise<void> {
    if (part !== this.current || this.stopped) return;
    await this.sleep(this.policy.settleMs);
    if (this.quitting()) return;
    this.current = undefined;
    const endedAt = Date.now();
    this.restarting = this.restart(`${this.opts.name} ${how}`, endedAt);
    await this.restarting;
    this.restarting = undefined;
  }

  private quitting(): boolean {
    return this.stopped || this.opts.stopping();
  }

  private async restart(why: string, endedAt: number): Promise<void> {
    const { maxRestarts, windowMs, firstDelayMs, maxDelayMs } = this.policy;
    for (;;) {
      const now = Date.now();
      while (this.restarts.length && now - this.restarts[0] >= windowMs) this.restarts.shift();
      if (this.restarts.length >= maxRestarts) {
        this.opts.giveUp(
          `${why}; it was restarted ${maxRestarts} times within ${Math.round(windowMs / 60_000)} min, giving up`,
        );
        return;
      }
      const n = this.restarts.length + 1;
      const delay = Math.min(firstDelayMs * 2 ** (n - 1), maxDelayMs);
      this.restarts.push(now);
      this.opts.report(`${why}; restarting in ${seconds(delay)} (restart ${n} of ${maxRestarts})`, 'warn');
      await this.sleep(delay);
      if (this.quitting()) return;
      let part: T;
      try {
        part = await this.opts.start();
      } catch (err) {
        if (this.quitting()) return;
        why = `${this.opts.name} failed to start again (${(err as Error).message})`;
        continue;
      }
      if (this.quitting()) {
        await part.stop().catch(() => undefined);
        return;
      }
      this.opts.restarted?.(part);
      const which = part.describe ? `, ${part.describe()}` : '';
      this.opts.report(
        `${this.opts.name} is running again (${seconds(Date.now() - endedAt)} after it ended${which})`,
        'info',
      );
      this.watch(part);
      return;
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = undefined;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
    });
  }

  /** Stops supervising, and the part (waiting for a restart under way first). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.restarting;
    const part = this.current;
    this.current = undefined;
    await part?.stop();
  }
}
