// The supervisor of `npm start`'s parts, with fake parts and short delays: a part that ends is
// started again after a doubling back-off, a start that fails counts as a restart, too many
// restarts within the window stop the stack, and nothing restarts once the stack is stopping.
import { Supervisor, type RestartPolicy, type SupervisedPart } from '../../stack/supervise';

class FakePart implements SupervisedPart {
  readonly ended: Promise<string>;
  stopped = false;
  private end: (how: string) => void = () => undefined;

  constructor(readonly n: number) {
    this.ended = new Promise((resolve) => (this.end = resolve));
  }

  die(how = 'exited (code 1)'): void {
    this.end(how);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.end('stopped');
  }

  describe(): string {
    return `part ${this.n}`;
  }
}

const policy: Partial<RestartPolicy> = {
  firstDelayMs: 20,
  maxDelayMs: 60,
  maxRestarts: 3,
  windowMs: 60_000,
  settleMs: 5,
};

async function until(cond: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

function harness(opts: { failStarts?: number; stopping?: () => boolean } = {}) {
  const parts = [new FakePart(0)];
  const lines: string[] = [];
  const gaveUp: string[] = [];
  const startedAt: number[] = [];
  let failures = opts.failStarts ?? 0;
  const sup = new Supervisor<FakePart>({
    name: 'Thing',
    first: parts[0],
    start: async () => {
      startedAt.push(Date.now());
      if (failures > 0) {
        failures--;
        throw new Error('port busy');
      }
      const p = new FakePart(parts.length);
      parts.push(p);
      return p;
    },
    report: (line) => lines.push(line),
    giveUp: (why) => gaveUp.push(why),
    stopping: opts.stopping ?? (() => false),
    policy,
  });
  return { sup, parts, lines, gaveUp, startedAt };
}

test('a part that ends is started again, and says so', async () => {
  const h = harness();
  h.parts[0].die();
  await until(() => h.parts.length === 2 && h.sup.part === h.parts[1]);
  expect(h.lines).toEqual([
    'Thing exited (code 1); restarting in 0 s (restart 1 of 3)',
    expect.stringMatching(/^Thing is running again \(0(\.\d)? s after it ended, part 1\)$/),
  ]);
  await h.sup.stop();
  expect(h.parts[1].stopped).toBe(true);
});

test('the back-off doubles up to its bound; a failed start counts; too many restarts give up', async () => {
  const h = harness({ failStarts: 2 });
  const t0 = Date.now();
  h.parts[0].die('exited (signal SIGKILL)');
  await until(() => h.parts.length === 2 && h.sup.part === h.parts[1]);
  // 20 ms, then 40 ms after the first failed start, then 60 ms (the bound) after the second.
  expect(h.startedAt).toHaveLength(3);
  expect(h.startedAt[2] - t0).toBeGreaterThanOrEqual(20 + 40 + 60);
  expect(h.lines.slice(0, 3)).toEqual([
    'Thing exited (signal SIGKILL); restarting in 0 s (restart 1 of 3)',
    'Thing failed to start again (port busy); restarting in 0 s (restart 2 of 3)',
    'Thing failed to start again (port busy); restarting in 0.1 s (restart 3 of 3)',
  ]);
  // A fourth end within the window is one too many.
  h.parts[1].die();
  await until(() => h.gaveUp.length === 1);
  expect(h.gaveUp[0]).toBe('Thing exited (code 1); it was restarted 3 times within 1 min, giving up');
  expect(h.parts).toHaveLength(2);
  await h.sup.stop();
});

test('an end while the stack is stopping is not restarted; stop() waits for a restart under way', async () => {
  let stopping = false;
  const h = harness({ stopping: () => stopping });
  stopping = true;
  h.parts[0].die();
  await new Promise((r) => setTimeout(r, 100));
  expect(h.startedAt).toEqual([]);
  expect(h.lines).toEqual([]);

  const g = harness();
  g.parts[0].die();
  await until(() => g.lines.length === 1);
  await g.sup.stop();
  expect(g.sup.part).toBeUndefined();
  await new Promise((r) => setTimeout(r, 100));
  expect(g.startedAt).toEqual([]);
});
