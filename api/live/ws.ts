// The live stream over WebSocket at /api/claude-flow/live, attached to an http.Server.
//
// Authenticated like the API (Bearer header, login cookie, or ?key=); any role may subscribe.
// Client → server: {"subscribe": ["session:<id>", ...], "lastEventId"?: "<id>"} and
// {"unsubscribe": [...]}. Server → client: {"type":"subscribed","channels":[...]}, each event as
// {id, channel, type, data, at}, and {"type":"error","detail"} for a bad message. Pings every
// heartbeat; a client that misses a pong is cut. A client that falls behind is closed with 1013; one
// whose key is revoked or changes role, or whose login ends, with 1008. Browsers' upgrades pass the
// same Host and Origin checks as HTTP requests (browser-guard.ts).
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import type pg from 'pg';
import { WebSocketServer, type WebSocket } from 'ws';
import { z } from 'zod';
import type { Config } from '../../lib/config';
import { ProblemError } from '../../lib/errors';
import type { Logger } from '../../lib/logger';
import { liveConnections, liveDropped } from '../../lib/metrics';
import type { AuthFailures } from '../auth/failures';
import { identify, unauthorized } from '../auth/identify';
import type { Principal } from '../auth/roles';
import { browserProblem, browserRequest } from '../browser-guard';
import { BASE, type LiveOptions } from '../route-spec';
import { liveAccess } from './access';
import { channelList } from './channels';
import type { LiveHub } from './hub';
import { LiveStream } from './stream';

/** Close code for a client dropped for falling behind ("try again later"). */
export const CLOSE_SLOW = 1013;
/** Close code for a client whose key was revoked or changed role, or whose login ended ("policy violation"). */
export const CLOSE_REVOKED = 1008;

const message = z.union([
  z
    .object({
      subscribe: channelList,
      lastEventId: z
        .string()
        .regex(/^\d{1,19}$/)
        .optional(),
    })
    .strict(),
  z.object({ unsubscribe: channelList }).strict(),
]);

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;

/** The client address as Express computes it with `trust proxy: loopback`. */
function clientIp(req: http.IncomingMessage): string | undefined {
  const remote = req.socket.remoteAddress;
  const forwarded = req.headers['x-forwarded-for'];
  if (remote && LOOPBACK.test(remote) && typeof forwarded === 'string')
    return forwarded.split(',').pop()?.trim() || remote;
  return remote;
}

/** The host the API is known by: X-Forwarded-Host from a proxy on this machine, else Host. */
function publicHost(req: http.IncomingMessage): string | undefined {
  const remote = req.socket.remoteAddress;
  const forwarded = req.headers['x-forwarded-host'];
  if (remote && LOOPBACK.test(remote) && typeof forwarded === 'string') return forwarded.split(',')[0].trim();
  return req.headers.host;
}

function refuse(socket: Duplex, err: ProblemError): void {
  const body = JSON.stringify({ type: 'about:blank', title: err.title, status: err.status, detail: err.detail });
  const retry =
    typeof err.extra.retryAfterSeconds === 'number' ? `Retry-After: ${err.extra.retryAfterSeconds}\r\n` : '';
  socket.end(
    `HTTP/1.1 ${err.status} ${err.title}\r\nContent-Type: application/problem+json\r\n${retry}Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

export interface LiveDeps {
  config: Config;
  pool: Pick<pg.Pool, 'query'>;
  logger: Logger;
  hub: LiveHub;
  /** Failed authentication limits, shared with the HTTP app (api/auth/failures.ts). */
  failures?: AuthFailures;
}

/** Serves WebSocket upgrades on `${BASE}/live`; returns a function that closes every client. */
export function attachLive(server: http.Server, deps: LiveDeps, opts: LiveOptions = {}): () => Promise<void> {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  const maxBuffered = opts.maxBufferedBytes ?? 1024 * 1024;

  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path !== `${BASE}/live` && path !== `${BASE}/live/`) {
      refuse(socket, new ProblemError(404, 'Not Found', `No WebSocket endpoint at ${path}; use ${BASE}/live`));
      return;
    }
    // Browsers send Origin on every WebSocket and CORS does not apply to them: the same Host and
    // Origin checks as for HTTP (browser-guard.ts), or any page could listen as the local admin.
    const blocked = browserProblem(browserRequest(req, publicHost(req)), deps.config);
    if (blocked) {
      refuse(socket, blocked);
      return;
    }
    identify(req, clientIp(req), deps, { allowQueryKey: true })
      .then((who) => {
        if (!who) throw unauthorized('Live updates need an API key: Bearer header, login cookie or ?key=');
        wss.handleUpgrade(req, socket, head, (ws) => serve(ws, new URL(req.url ?? '/', 'http://x'), who));
      })
      .catch((err: unknown) => {
        if (err instanceof ProblemError) refuse(socket, err);
        else {
          deps.logger.error({ err }, 'live: upgrade failed');
          refuse(socket, new ProblemError(503, 'Service Unavailable', 'Live updates are unavailable; retry shortly'));
        }
      });
  });

  function serve(ws: WebSocket, url: URL, who: Principal): void {
    liveConnections.inc({ transport: 'websocket' });
    let alive = true;
    ws.on('pong', () => (alive = true));
    const stream = new LiveStream(
      deps.hub,
      {
        send: (e) => ws.send(JSON.stringify(e)),
        buffered: () => ws.bufferedAmount,
        dropSlow: () => {
          liveDropped.inc({ transport: 'websocket' });
          ws.close(CLOSE_SLOW, 'too slow: reconnect with lastEventId');
          // The close frame waits behind the unread data; do not wait for a client that is not reading.
          setTimeout(() => ws.terminate(), 2_000).unref();
        },
      },
      maxBuffered,
    );
    // Revoking the key, a role change or logging out closes the socket (live/access.ts).
    const access = liveAccess(deps.hub, deps.pool).watch(who, (reason) => {
      stream.close();
      ws.close(CLOSE_REVOKED, reason.slice(0, 120));
      setTimeout(() => ws.terminate(), 2_000).unref();
    });
    const beat = setInterval(() => {
      if (!alive) {
        ws.terminate();
        return;
      }
      alive = false;
      ws.ping();
      void access.check();
    }, opts.heartbeatMs ?? 30_000);
    ws.on('close', () => {
      clearInterval(beat);
      access.stop();
      stream.close();
      liveConnections.dec({ transport: 'websocket' });
    });
    const fail = (detail: string) => ws.send(JSON.stringify({ type: 'error', detail }));
    const fromUrl = url.searchParams.get('lastEventId') ?? undefined;
    ws.on('message', (raw) => {
      let parsed: z.infer<typeof message>;
      try {
        const r = message.safeParse(JSON.parse(String(raw)));
        if (!r.success) {
          fail(
            `Expected {"subscribe": [channels], "lastEventId"?} or {"unsubscribe": [channels]}: ${r.error.issues.map((i) => `${i.path.join('.') || 'message'}: ${i.message}`).join('; ')}`,
          );
          return;
        }
        parsed = r.data;
      } catch {
        fail('Messages must be JSON');
        return;
      }
      if ('unsubscribe' in parsed) {
        for (const c of parsed.unsubscribe) stream.channels.delete(c);
        ws.send(JSON.stringify({ type: 'unsubscribed', channels: parsed.unsubscribe }));
        return;
      }
      const channels = parsed.subscribe;
      stream
        .add(channels, parsed.lastEventId ?? fromUrl)
        .then(() => ws.send(JSON.stringify({ type: 'subscribed', channels: [...stream.channels] })))
        .catch((err: Error) => {
          deps.logger.error({ err }, 'live: subscribe failed');
          fail('Could not subscribe; retry shortly');
        });
    });
  }

  return async () => {
    for (const ws of wss.clients) ws.terminate();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
  };
}
