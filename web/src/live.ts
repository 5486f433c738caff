// The live channel: one connection to /api/claude-flow/live (the login cookie authenticates it),
// subscriptions per view, and a reconnect that resumes from the last event id seen. A WebSocket
// first; where one cannot be opened (a proxy that drops upgrades) the same stream as server-sent
// events over fetch (GET /live/sse), reopened with the channel list whenever it changes.
//
// Subscribe, then read: a view reads its data when it mounts, but a change made before the server
// has registered the subscription would be neither in that read nor an event. So when the server
// confirms a subscription, its listeners get a `live.subscribed` event (no id, no data) and read
// again: from then on every change comes as an event.
import { useEffect, useRef, useSyncExternalStore } from 'react';
import { BASE } from './api';

export interface LiveEvent {
  id: string;
  channel: string;
  type: string;
  data: Record<string, unknown>;
  at: string;
}
type Listener = (e: LiveEvent) => void;
export type LiveState = 'connecting' | 'live' | 'reconnecting' | 'signed-out';
export type Transport = 'websocket' | 'sse';

/** WebSocket attempts that never opened before the client falls back to SSE. */
const WS_FAILURES_BEFORE_SSE = 2;

class LiveClient {
  private ws: WebSocket | undefined;
  private sse: AbortController | undefined;
  private readonly listeners = new Map<string, Set<Listener>>();
  private lastEventId: string | undefined;
  private retry = 0;
  private wsFailures = 0;
  private timer: number | undefined;
  state: LiveState = 'connecting';
  transport: Transport = 'websocket';
  private readonly watchers = new Set<() => void>();

  constructor() {
    // `?live=sse` chooses SSE from the start (for proxies known to drop WebSockets).
    if (typeof location !== 'undefined' && new URLSearchParams(location.search).get('live') === 'sse')
      this.transport = 'sse';
  }

  subscribe(channel: string, fn: Listener): () => void {
    let set = this.listeners.get(channel);
    if (!set) {
      set = new Set();
      this.listeners.set(channel, set);
      this.confirmed.delete(channel);
      this.changed({ subscribe: [channel] });
    }
    set.add(fn);
    this.connect();
    return () => {
      set.delete(fn);
      if (set.size === 0) {
        this.listeners.delete(channel);
        this.changed({ unsubscribe: [channel] });
      }
    };
  }

  watch = (fn: () => void) => {
    this.watchers.add(fn);
    return () => this.watchers.delete(fn);
  };

  private setState(s: LiveState) {
    this.state = s;
    for (const w of this.watchers) w();
  }

  /** The channel list changed: told to the WebSocket, or the SSE stream reopened with the new list. */
  private changed(msg: object) {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(msg));
    else if (this.sse) {
      this.sse.abort();
      this.sse = undefined;
      this.connect();
    }
  }

  /** Channels the server has confirmed on the current connection. */
  private confirmed = new Set<string>();

  /** The server registered `channels` (all of them: SSE's `: subscribed` names none). */
  private subscribed(channels: string[]) {
    const at = new Date().toISOString();
    for (const channel of channels) {
      if (this.confirmed.has(channel)) continue;
      this.confirmed.add(channel);
      for (const fn of this.listeners.get(channel) ?? [])
        fn({ id: '', channel, type: 'live.subscribed', data: {}, at });
    }
  }

  private deliver(e: LiveEvent & { channels?: string[] }) {
    if (e.type === 'subscribed' && !e.id) return this.subscribed(e.channels ?? []);
    if (!e.channel || !e.id) return;
    this.lastEventId = e.id;
    // memory:<prefix> subscriptions receive the events of every namespace under the prefix.
    for (const [channel, set] of this.listeners)
      if (channel === e.channel || (channel.startsWith('memory:') && e.channel.startsWith(channel)))
        for (const fn of set) fn(e);
  }

  private reconnectLater() {
    this.setState('reconnecting');
    const delay = Math.min(10_000, 500 * 2 ** this.retry++);
    this.timer = window.setTimeout(() => {
      this.timer = undefined;
      this.connect();
    }, delay);
  }

  private connect() {
    if (this.ws || this.sse || this.timer !== undefined || this.state === 'signed-out') return;
    if (this.transport === 'sse') {
      if (this.listeners.size) void this.openSse();
      return;
    }
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${BASE}/live`;
    const ws = new WebSocket(url);
    let opened = false;
    this.ws = ws;
    ws.onopen = () => {
      opened = true;
      this.retry = 0;
      this.wsFailures = 0;
      const channels = [...this.listeners.keys()];
      if (channels.length)
        ws.send(
          JSON.stringify({ subscribe: channels, ...(this.lastEventId ? { lastEventId: this.lastEventId } : {}) }),
        );
      this.setState('live');
    };
    ws.onmessage = (m) => this.deliver(JSON.parse(String(m.data)) as LiveEvent);
    ws.onclose = (c) => {
      this.ws = undefined;
      this.confirmed.clear();
      // 1008: the key was revoked or changed role, or the login ended (api/live/ws.ts).
      if (c.code === 1008) {
        this.setState('signed-out');
        return;
      }
      if (!opened && ++this.wsFailures >= WS_FAILURES_BEFORE_SSE) {
        // The WebSocket never opened twice running: the same stream over plain HTTP instead.
        this.transport = 'sse';
        this.retry = 0;
        this.connect();
        return;
      }
      this.reconnectLater();
    };
  }

  /** Reads GET /live/sse as a text stream: `id:` and `data:` lines, events split by a blank line. */
  private async openSse() {
    const ctl = new AbortController();
    this.sse = ctl;
    this.confirmed.clear();
    const q = new URLSearchParams({ channels: [...this.listeners.keys()].join(',') });
    if (this.lastEventId) q.set('lastEventId', this.lastEventId);
    try {
      const res = await fetch(`${BASE}/live/sse?${q}`, {
        credentials: 'same-origin',
        headers: { accept: 'text/event-stream' },
        signal: ctl.signal,
      });
      if (res.status === 401) {
        this.sse = undefined;
        this.setState('signed-out');
        return;
      }
      if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
      this.retry = 0;
      this.setState('live');
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (block === ': subscribed') this.subscribed([...this.listeners.keys()]);
          const lines = block.split('\n');
          const event = lines.find((l) => l.startsWith('event: '))?.slice(7);
          const data = lines
            .filter((l) => l.startsWith('data: '))
            .map((l) => l.slice(6))
            .join('\n');
          if (!data) continue;
          if (event === 'revoked') {
            ctl.abort();
            this.sse = undefined;
            this.setState('signed-out');
            return;
          }
          this.deliver(JSON.parse(data) as LiveEvent);
        }
      }
    } catch {
      if (ctl.signal.aborted && this.sse !== ctl) return; // reopened with another channel list
    }
    if (this.sse !== ctl) return;
    this.sse = undefined;
    this.reconnectLater();
  }
}

export const live = new LiveClient();

/** Calls `onEvent` for every event on `channel` while the component is mounted. */
export function useLive(channel: string | undefined, onEvent: Listener): void {
  const ref = useRef(onEvent);
  useEffect(() => {
    ref.current = onEvent;
  });
  useEffect(() => (channel ? live.subscribe(channel, (e) => ref.current(e)) : undefined), [channel]);
}

export function useLiveState(): { state: LiveState; transport: Transport } {
  const state = useSyncExternalStore(live.watch, () => live.state);
  const transport = useSyncExternalStore(live.watch, () => live.transport);
  return { state, transport };
}
