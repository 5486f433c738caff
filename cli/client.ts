// The API client: JSON over fetch, problem+json errors as one line, and the live SSE stream.
import { ApiError, CliError } from './errors';
import type { Target } from './config';

export const BASE = '/api/claude-flow';

export interface LiveEvent {
  id: string;
  channel: string;
  type: string;
  data: unknown;
  at: string;
}

type Query = Record<string, string | number | boolean | undefined>;

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  /** Send `body` as this text with this content type instead of JSON. */
  text?: { body: string; contentType: string };
  /** Return the response body as text instead of parsing JSON. */
  asText?: boolean;
  /** Statuses that are answers, not errors (e.g. 503 from /readyz). */
  accept?: number[];
}

const enc = encodeURIComponent;
/** Path segments, each encoded (a `/` inside one becomes %2F). */
export const seg = (...parts: string[]) => parts.map(enc).join('/');

export class Api {
  constructor(readonly target: Target) {}

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    return {
      Accept: 'application/json',
      ...(this.target.apiKey ? { Authorization: `Bearer ${this.target.apiKey}` } : {}),
      ...extra,
    };
  }

  url(path: string, query?: Query): string {
    const u = new URL(this.target.url + path);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== '') u.searchParams.set(k, String(v));
    return u.toString();
  }

  private unreachable(err: unknown): CliError {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const code = cause?.code ?? '';
    const why = code === 'ECONNREFUSED' ? '' : ` (${cause?.message ?? (err as Error).message})`;
    return new CliError(
      `cannot reach the Claude Flow API at ${this.target.url}${why}: start it with \`npm start\` (or set CLAUDE_FLOW_URL)`,
    );
  }

  async fetch(method: string, path: string, opts: RequestOptions = {}, signal?: AbortSignal): Promise<Response> {
    const headers = this.headers(
      opts.text
        ? { 'Content-Type': opts.text.contentType }
        : opts.body !== undefined
          ? { 'Content-Type': 'application/json' }
          : {},
    );
    let res: Response;
    try {
      res = await fetch(this.url(path, opts.query), {
        method,
        headers,
        body: opts.text ? opts.text.body : opts.body !== undefined ? JSON.stringify(opts.body) : undefined,
        signal,
      });
    } catch (err) {
      if ((err as Error).name === 'AbortError') throw err;
      throw this.unreachable(err);
    }
    if (!res.ok && !opts.accept?.includes(res.status)) throw await problem(res, method, path);
    return res;
  }

  async request<T = unknown>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const res = await this.fetch(method, path, opts);
    const text = await res.text();
    if (opts.asText) return text as T;
    if (text === '') return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new CliError(
        `the API answered ${method} ${path} with something that is not JSON: is ${this.target.url} a Claude Flow API?`,
      );
    }
  }

  get = <T = unknown>(path: string, query?: Query) => this.request<T>('GET', path, { query });
  post = <T = unknown>(path: string, body?: unknown) => this.request<T>('POST', path, { body: body ?? {} });
  put = <T = unknown>(path: string, body?: unknown) => this.request<T>('PUT', path, { body });
  delete = <T = unknown>(path: string, query?: Query) => this.request<T>('DELETE', path, { query });

  /**
   * Subscribes to live channels over SSE. Resolves once the server has subscribed (so nothing
   * published afterwards is missed); events go to `onEvent` in order until `close()`.
   */
  async live(channels: string[], onEvent: (e: LiveEvent) => void): Promise<LiveSubscription> {
    const ctrl = new AbortController();
    const res = await this.fetch('GET', `${BASE}/live/sse`, { query: { channels: channels.join(',') } }, ctrl.signal);
    if (!res.body) throw new CliError('the live stream answered without a body');
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    let subscribed!: () => void;
    let failed!: (err: Error) => void;
    const ready = new Promise<void>((resolve, reject) => {
      subscribed = resolve;
      failed = reject;
    });
    const frame = (raw: string) => {
      let data = '';
      for (const line of raw.split('\n')) {
        if (line === ': subscribed') subscribed();
        else if (line.startsWith('data:')) data += line.slice(5).replace(/^ /, '');
      }
      if (data) onEvent(JSON.parse(data) as LiveEvent);
    };
    const pump = (async () => {
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          buffer += decoder.decode(value, { stream: true }).replace(/\r\n/g, '\n');
          let i: number;
          while ((i = buffer.indexOf('\n\n')) >= 0) {
            const raw = buffer.slice(0, i);
            buffer = buffer.slice(i + 2);
            frame(raw);
          }
        }
        failed(new CliError('the live stream closed before it subscribed'));
      } catch (err) {
        if ((err as Error).name !== 'AbortError') failed(err as Error);
      }
    })();
    await ready;
    return {
      close: async () => {
        ctrl.abort();
        await pump;
      },
    };
  }
}

export interface LiveSubscription {
  close(): Promise<void>;
}

async function problem(res: Response, method: string, path: string): Promise<ApiError> {
  const text = await res.text().catch(() => '');
  let body: { title?: string; detail?: string; hint?: string } | undefined;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const title = body?.title ?? res.statusText;
  let detail = body?.detail ?? (text.trim().slice(0, 200) || `${method} ${path} failed`);
  if (res.status === 401 && !/key/i.test(detail)) detail += ': set CLAUDE_FLOW_API_KEY or use --api-key';
  else if (res.status === 401) detail += ' (set CLAUDE_FLOW_API_KEY, --api-key or a --profile)';
  if (res.status === 403) detail += ': this needs a key with a higher role';
  return new ApiError(res.status, title, `${detail}${body?.hint && res.status !== 401 ? ` (${body.hint})` : ''}`, body);
}
