// Listening: binds the app to HOST:PORT (refusing an exposed address without an API key) and
// serves live updates over WebSocket on the same server.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { validateOptions } from '../lib/custom-workflows/load';
import { DefinitionStore } from '../lib/custom-workflows/store';
import { DefinitionWatcher } from '../lib/custom-workflows/watcher';
import { LiveListener } from '../lib/live';
import { WORKFLOW_TYPES } from '../lib/workflow-types';
import { MemoryStore } from '../lib/memory';
import { createApp, type AppDeps } from './app';
import { AuthFailures } from './auth/failures';
import { LiveHub } from './live/hub';
import { attachLive } from './live/ws';

export interface ApiServer {
  url: string;
  server: http.Server;
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

export class UnsafeBindError extends Error {
  override name = 'UnsafeBindError';
}

export async function startApi(deps: AppDeps): Promise<ApiServer> {
  const { host, port, apiKey } = deps.config.api;
  if (!apiKey && !LOOPBACK.has(host)) {
    throw new UnsafeBindError(
      `Refusing to listen on ${host} without an API key: set CLAUDE_FLOW_API_KEY (16+ characters), or HOST=127.0.0.1 for local use`,
    );
  }
  const hub = deps.hub ?? new LiveHub(deps.config.database.url, deps.pool);
  // Memory reads are cached in this process; a LISTEN connection of its own invalidates them on
  // every write, from whichever process made it.
  const memoryLive =
    deps.memory || !deps.config.database.url ? undefined : new LiveListener(deps.config.database.url, deps.pool);
  await memoryLive?.start();
  const memory = deps.memory ?? new MemoryStore(deps.pool, deps.config.memory, { live: memoryLive });
  // One failed-authentication limiter for HTTP and WebSocket upgrades alike.
  const authFailures = deps.authFailures ?? new AuthFailures(deps.pool, deps.config);
  const server = http.createServer(createApp({ ...deps, hub, memory, authFailures }));
  const closeLive = attachLive(server, { ...deps, hub, failures: authFailures }, deps.live);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      reject(
        err.code === 'EADDRINUSE'
          ? new Error(`Port ${port} on ${host} is already in use: stop what uses it, or set PORT to another port`)
          : err,
      );
    });
    server.listen(port, host, () => resolve());
  });
  hub.startPruning(deps.config.api.liveRetentionSeconds);
  // Changes made to definition files outside the API become versions and live events (`definitions`).
  const definitions = new DefinitionWatcher(
    new DefinitionStore({
      workspaceDir: deps.config.workspaceDir,
      pool: deps.pool,
      options: () =>
        validateOptions(
          deps.config,
          WORKFLOW_TYPES.map((d) => d.type),
        ),
    }),
    { onError: (err) => deps.logger.warn({ err }, 'definitions watcher: a change could not be recorded') },
  );
  // Not awaited: the first scan (recording files never seen as versions) must not hold up serving.
  void definitions.start();
  const addr = server.address() as AddressInfo;
  const shownHost = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${shownHost}:${addr.port}`,
    server,
    close: async () => {
      await definitions.close();
      await closeLive();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await hub.close();
      await memory.close();
      await memoryLive?.close();
      if (!deps.authFailures) authFailures.close();
    },
  };
}
