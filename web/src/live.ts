// The live channel: one WebSocket to /api/claude-flow/live (the login cookie authenticates it),
// subscriptions per view, and a reconnect that resumes from the last event id seen.
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
export type LiveState = 'connecting' | 'live' | 'reconnecting';

class LiveClient {
  private ws: WebSocket | undefined;
  private readonly listeners = new Map<string, Set<Listener>>();
  private lastEventId: string | undefined;
  private retry = 0;
  private timer: number | undefined;
  state: LiveState = 'connecting';
  private readonly watchers = new Set<() => void>();

  subscribe(channel: string, fn: Listener): () => void {
    let set = this.listeners.get(channel);
    if (!set) {
      set = new Set();
      this.listeners.set(channel, set);
      this.send({ subscribe: [channel] });
    }
    set.add(fn);
    this.connect();
    return () => {
      set.delete(fn);
      if (set.size === 0) {
        this.listeners.delete(channel);
        this.send({ unsubscribe: [channel] });
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

  private send(msg: object) {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(msg));
  }

  private connect() {
    if (this.ws || this.timer !== undefined) return;
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${BASE}/live`;
    const ws = new WebSocket(url);
    this.ws = ws;
    ws.onopen = () => {
      this.retry = 0;
      const channels = [...this.listeners.keys()];
      if (channels.length)
        ws.send(
          JSON.stringify({ subscribe: channels, ...(this.lastEventId ? { lastEventId: this.lastEventId } : {}) }),
        );
      this.setState('live');
    };
    ws.onmessage = (m) => {
      const e = JSON.parse(String(m.data)) as LiveEvent;
      if (!e.channel || !e.id) return;
      this.lastEventId = e.id;
      // memory:<prefix> subscriptions receive the events of every namespace under the prefix.
      for (const [channel, set] of this.listeners)
        if (channel === e.channel || (channel.startsWith('memory:') && e.channel.startsWith(channel)))
          for (const fn of set) fn(e);
    };
    ws.onclose = () => {
      this.ws = undefined;
      this.setState('reconnecting');
      const delay = Math.min(10_000, 500 * 2 ** this.retry++);
      this.timer = window.setTimeout(() => {
        this.timer = undefined;
        this.connect();
      }, delay);
    };
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

export function useLiveState(): LiveState {
  return useSyncExternalStore(live.watch, () => live.state);
}
