// Human output (tables, colour and spinners only on a TTY) or exactly one JSON document (--json).
import { CliError } from './errors';

export interface OutputOptions {
  json: boolean;
  color: boolean;
  tty: boolean;
}

type Paint = (s: string) => string;
const code = (open: number, close: number) => (s: string) => `\x1b[${open}m${s}\x1b[${close}m`;

export class Output {
  readonly bold: Paint;
  readonly dim: Paint;
  readonly red: Paint;
  readonly green: Paint;
  readonly yellow: Paint;
  readonly cyan: Paint;

  constructor(readonly opts: OutputOptions) {
    const id: Paint = (s) => s;
    const c = opts.color;
    this.bold = c ? code(1, 22) : id;
    this.dim = c ? code(2, 22) : id;
    this.red = c ? code(31, 39) : id;
    this.green = c ? code(32, 39) : id;
    this.yellow = c ? code(33, 39) : id;
    this.cyan = c ? code(36, 39) : id;
  }

  get json(): boolean {
    return this.opts.json;
  }

  /** Writes to stdout as is. */
  write(s: string): void {
    process.stdout.write(s);
  }
  line(s = ''): void {
    process.stdout.write(`${s}\n`);
  }
  /** Notes for humans go to stderr, so stdout stays the result. */
  note(s: string): void {
    if (!this.opts.json) process.stderr.write(`${s}\n`);
  }

  /** The command's result: the JSON document with --json, else what `human` prints. */
  result(data: unknown, human: () => void): void {
    if (this.opts.json) this.line(JSON.stringify(data, null, 2));
    else human();
  }
  /** One line of a JSON-lines stream (--json on streaming commands). */
  jsonLine(data: unknown): void {
    this.line(JSON.stringify(data));
  }

  status(s: string): string {
    const v = s.toLowerCase();
    if (/^(ok|ready|active|completed|approved|running|succeeded|passed)$/.test(v)) return this.green(s);
    if (/^(failed|error|terminated|timed_out|rejected|not ready|critical|high)$/.test(v)) return this.red(s);
    if (/^(paused|waiting_approval|cancelled|pending|skipped|medium|warning)$/.test(v)) return this.yellow(s);
    return s;
  }

  /** A plain table; `cells` may colour their text (width is measured without escape codes). */
  table(headers: string[], rows: (string | number | null | undefined)[][], empty = '(none)'): void {
    if (rows.length === 0) {
      this.line(this.dim(empty));
      return;
    }
    const text = rows.map((r) => r.map((c) => (c === null || c === undefined ? '' : String(c))));
    // eslint-disable-next-line no-control-regex -- escape codes are what is measured away
    const width = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '').length;
    const widths = headers.map((h, i) => Math.max(width(h), ...text.map((r) => width(r[i] ?? ''))));
    const pad = (s: string, i: number) => s + ' '.repeat(Math.max(0, widths[i] - width(s)));
    this.line(this.bold(headers.map(pad).join('  ').trimEnd()));
    for (const r of text) this.line(r.map(pad).join('  ').trimEnd());
  }

  /** Key: value lines. */
  fields(pairs: [string, unknown][]): void {
    const w = Math.max(...pairs.map(([k]) => k.length));
    for (const [k, v] of pairs) {
      if (v === undefined || v === null || v === '') continue;
      const shown = typeof v === 'string' ? v : JSON.stringify(v);
      this.line(`${this.dim(`${k}:`.padEnd(w + 1))} ${shown}`);
    }
  }

  /** A spinner on stderr while `work` runs (TTY only, never with --json). */
  async spin<T>(text: string, work: () => Promise<T>): Promise<T> {
    if (!this.opts.tty || this.opts.json) return work();
    const frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
    let i = 0;
    const timer = setInterval(() => process.stderr.write(`\r${this.cyan(frames[i++ % frames.length])} ${text}`), 80);
    try {
      return await work();
    } finally {
      clearInterval(timer);
      process.stderr.write('\r\x1b[2K');
    }
  }

  /** A progress bar that redraws in place on a TTY and prints each change as a line otherwise. */
  progress(): ProgressBar {
    return new ProgressBar(this);
  }
}

export class ProgressBar {
  private last = '';
  constructor(private readonly out: Output) {}

  update(completed: number, total: number, label: string): void {
    if (this.out.json) return;
    const width = 24;
    const frac = total > 0 ? Math.min(1, completed / total) : 0;
    const filled = Math.round(frac * width);
    const bar = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${completed}/${total}`;
    const text = `${bar} ${label}`;
    if (text === this.last) return;
    this.last = text;
    if (this.out.opts.tty) process.stderr.write(`\r\x1b[2K${text}`);
    else process.stderr.write(`${text}\n`);
  }

  done(): void {
    if (this.out.opts.tty && this.last && !this.out.json) process.stderr.write('\n');
    this.last = '';
  }
}

export function ago(iso: unknown): string {
  if (typeof iso !== 'string' && !(iso instanceof Date)) return '';
  const t = new Date(iso).getTime();
  if (Number.isNaN(t)) return String(iso);
  const s = Math.round((Date.now() - t) / 1000);
  if (s < 0) return new Date(t).toISOString();
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86400)}d ago`;
}

export function truncate(s: unknown, n: number): string {
  const t = typeof s === 'string' ? s : s === undefined || s === null ? '' : JSON.stringify(s);
  const one = t.replace(/\s+/g, ' ');
  return one.length > n ? `${one.slice(0, n - 1)}…` : one;
}

/** Parses a JSON option value, or fails with a usage error naming the option. */
export function jsonOption(name: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new CliError(`${name} must be JSON (${(err as Error).message}), e.g. ${name} '{"key": "value"}'`, 2);
  }
}
