// Probing one HTTP endpoint: N requests with bounded concurrency through Node's fetch (undici),
// each timed from send to the last byte of the body.
import { type LatencySummary, summarize } from './stats';
import type { PerfEndpoint } from '../../../workflows/contract/inputs/perf-monitor';

export interface ProbeInput {
  endpoint: PerfEndpoint;
  requests: number;
  concurrency: number;
  timeoutMs: number;
  /** Send one unmeasured request per concurrent slot first (connections, caches, JIT warm). */
  warmup?: boolean;
}

export interface ProbeResult {
  name: string;
  url: string;
  method: string;
  requests: number;
  ok: number;
  errors: number;
  /** errors / requests. */
  errorRate: number;
  /** Latency of the successful requests (ms), nearest-rank percentiles; absent when none succeeded. */
  latencyMs?: LatencySummary;
  /** Responses by status code; network failures and timeouts under "error" and "timeout". */
  statuses: Record<string, number>;
  /** Up to five distinct failure descriptions. */
  errorSamples: string[];
  startedAt: string;
  durationMs: number;
}

function isExpected(status: number, expect: PerfEndpoint['expectStatus']): boolean {
  if (expect === undefined) return status >= 200 && status < 300;
  return Array.isArray(expect) ? expect.includes(status) : status === expect;
}

/** Runs the probe; `onProgress` is called after each request (for heartbeats). */
export async function probeEndpoint(
  input: ProbeInput,
  opts: { signal?: AbortSignal; onProgress?: (done: number) => void } = {},
): Promise<ProbeResult> {
  const { endpoint: e, requests, timeoutMs } = input;
  const concurrency = Math.max(1, Math.min(input.concurrency, requests));
  const headers: Record<string, string> = { ...(e.headers ?? {}) };
  let body: string | undefined;
  if (typeof e.body === 'string') body = e.body;
  else if (e.body !== undefined) {
    body = JSON.stringify(e.body);
    if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
      headers['content-type'] = 'application/json';
    }
  }
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  const samples = new Set<string>();
  let errors = 0;
  let next = 0;
  let done = 0;
  const count = (key: string) => (statuses[key] = (statuses[key] ?? 0) + 1);
  const failed = (what: string) => {
    errors += 1;
    if (samples.size < 5) samples.add(what);
  };

  async function warm(): Promise<void> {
    try {
      const res = await fetch(e.url, { method: e.method, headers, body, signal: AbortSignal.timeout(timeoutMs) });
      await res.arrayBuffer();
    } catch {
      // A failing warm-up shows again in the measured requests.
    }
  }

  async function one(): Promise<void> {
    const t0 = performance.now();
    const signals = [AbortSignal.timeout(timeoutMs), ...(opts.signal ? [opts.signal] : [])];
    try {
      const res = await fetch(e.url, {
        method: e.method,
        headers,
        body,
        signal: AbortSignal.any(signals),
      });
      await res.arrayBuffer();
      const ms = performance.now() - t0;
      count(String(res.status));
      if (isExpected(res.status, e.expectStatus)) latencies.push(ms);
      else failed(`HTTP ${res.status}${e.expectStatus === undefined ? ' (expected 2xx)' : ''}`);
    } catch (err) {
      if (opts.signal?.aborted) throw err;
      const name = (err as Error).name;
      if (name === 'TimeoutError' || name === 'AbortError') {
        count('timeout');
        failed(`no complete response within ${timeoutMs} ms`);
      } else {
        count('error');
        const cause = (err as { cause?: { code?: string; message?: string } }).cause;
        failed(cause?.code ?? cause?.message ?? (err as Error).message);
      }
    } finally {
      done += 1;
      opts.onProgress?.(done);
    }
  }

  if (input.warmup) await Promise.all(Array.from({ length: concurrency }, warm));
  const startedAt = new Date();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < requests) {
        next += 1;
        await one();
      }
    }),
  );
  return {
    name: e.name,
    url: e.url,
    method: e.method,
    requests,
    ok: latencies.length,
    errors,
    errorRate: Math.round((errors / requests) * 10_000) / 10_000,
    latencyMs: summarize(latencies),
    statuses,
    errorSamples: [...samples],
    startedAt: startedAt.toISOString(),
    durationMs: Math.round(performance.now() - t0),
  };
}
