// The live stream: GET /live is a WebSocket (served by live/ws.ts on the HTTP server's upgrade);
// GET /live/sse?channels=a,b is the same stream as server-sent events, for curl and EventSource.
// Resume with the Last-Event-ID header (or ?lastEventId=). Comments every 15 s keep proxies open.
// The stream ends with an `event: revoked` when its key is revoked or changes role, or its login ends.
import { z } from 'zod';
import { liveConnections, liveDropped } from '../../lib/metrics';
import { liveAccess } from '../live/access';
import { channelName } from '../live/channels';
import { LiveStream } from '../live/stream';
import { BASE, type RouteSpec } from '../route-spec';
import { parse } from '../validate';

const sseQuery = z
  .object({
    channels: z
      .string()
      .transform((s) => s.split(',').filter(Boolean))
      .pipe(z.array(channelName).min(1).max(100))
      .describe('Comma-separated: session:<id>, sessions, workflow:<id>, memory:<prefix>, analytics'),
    lastEventId: z
      .string()
      .regex(/^\d{1,19}$/)
      .optional()
      .describe('Resume after this event id'),
    key: z.string().optional().describe('An API key, for clients that cannot send headers'),
  })
  .strict();

export const routes: RouteSpec[] = [
  { method: 'GET', path: `${BASE}/live`, role: 'viewer', tag: 'live', summary: 'WebSocket: subscribe to live events' },
  {
    method: 'GET',
    path: `${BASE}/live/sse`,
    role: 'viewer',
    tag: 'live',
    summary: 'Server-sent events: the live stream for curl and EventSource',
    query: sseQuery,
    handler: async (req, res, { hub, pool, live: opts }) => {
      const q = parse(sseQuery, req.query, 'query');
      const header = req.headers['last-event-id'];
      const lastEventId =
        q.lastEventId ?? (typeof header === 'string' && /^\d{1,19}$/.test(header) ? header : undefined);
      res.writeHead(200, {
        'Content-Type': 'text/event-stream',
        'Cache-Control': 'no-store',
        Connection: 'keep-alive',
        'X-Accel-Buffering': 'no',
      });
      // After the stream ended (revoked, or the client left) nothing more is written.
      const write = (chunk: string) => {
        if (!res.writableEnded && !res.destroyed) res.write(chunk);
      };
      write(': connected\n\n');
      liveConnections.inc({ transport: 'sse' });
      const stream = new LiveStream(
        hub,
        {
          send: (e) => write(`id: ${e.id}\nevent: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`),
          buffered: () => res.writableLength,
          dropSlow: () => {
            liveDropped.inc({ transport: 'sse' });
            res.destroy();
          },
        },
        opts.maxBufferedBytes ?? 1024 * 1024,
      );
      // Revoking the key, a role change or logging out ends the stream (live/access.ts).
      const access = req.principal
        ? liveAccess(hub, pool).watch(req.principal, (reason) => {
            if (!res.writableEnded)
              res.end(`event: revoked\ndata: ${JSON.stringify({ type: 'revoked', detail: reason })}\n\n`);
          })
        : undefined;
      const beat = setInterval(() => {
        write(': ping\n\n');
        void access?.check();
      }, opts.heartbeatMs ?? 15_000);
      res.on('close', () => {
        clearInterval(beat);
        access?.stop();
        stream.close();
        liveConnections.dec({ transport: 'sse' });
      });
      try {
        await stream.add(q.channels, lastEventId);
        write(': subscribed\n\n');
      } catch (err) {
        req.log.error({ err }, 'live stream failed');
        res.end();
      }
    },
  },
];
