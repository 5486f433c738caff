import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../lib/config';

function project(files: Record<string, unknown> = {}): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cf-config-'));
  for (const [file, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), typeof content === 'string' ? content : JSON.stringify(content));
  }
  return root;
}

test('defaults describe the embedded stack', () => {
  const c = loadConfig({ env: {}, projectRoot: project() });
  expect(c.temporal.address).toBeUndefined();
  expect(c.database.url).toBeUndefined();
  expect(c.temporal.namespace).toBe('default');
  expect(c.temporal.taskQueue).toBe('claude-flow');
  expect(c.api).toMatchObject({ port: 3000, host: '127.0.0.1', apiKey: undefined });
  expect(c.enabled).toBe(true);
  expect(c.memory.backend).toBe('postgres');
  expect(c.debug).toBe(false);
  expect(path.isAbsolute(c.dataDir)).toBe(true);
});

test('environment beats user settings, which beat the main config file', () => {
  const root = project({
    'config/claude-flow.json': { api: { port: 4000, host: '0.0.0.0' }, temporal: { namespace: 'main' } },
    '.claude-flow/settings.json': { api: { port: 5000 } },
  });
  const c = loadConfig({ env: { TEMPORAL_NAMESPACE: 'from-env' }, projectRoot: root });
  expect(c.api.port).toBe(5000);
  expect(c.api.host).toBe('0.0.0.0');
  expect(c.temporal.namespace).toBe('from-env');
  expect(loadConfig({ env: { PORT: '6000' }, projectRoot: root }).api.port).toBe(6000);
});

test('the seed settings are read and typed', () => {
  const c = loadConfig({
    env: {
      CLAUDE_FLOW_ENABLED: 'false',
      CLAUDE_FLOW_MEMORY_BACKEND: 'postgres',
      CLAUDE_FLOW_API_KEY: 'k'.repeat(20),
      CLAUDE_FLOW_DEBUG: 'yes',
      DATABASE_URL: 'postgresql://u:p@db:5432/cf',
      TEMPORAL_ADDRESS: 'temporal:7233',
      TEMPORAL_TASK_QUEUE: 'q1',
    },
    projectRoot: project(),
  });
  expect(c.enabled).toBe(false);
  expect(c.api.apiKey).toBe('k'.repeat(20));
  expect(c.debug).toBe(true);
  expect(c.logLevel).toBe('debug');
  expect(c.database.url).toBe('postgresql://u:p@db:5432/cf');
  expect(c.temporal.address).toBe('temporal:7233');
  expect(c.temporal.taskQueue).toBe('q1');
});

test.each([
  [{ PORT: 'abc' }, 'Invalid setting PORT="abc": allowed: a TCP port, 1-65535'],
  [{ PORT: '70000' }, 'Invalid setting PORT="70000": allowed: a TCP port, 1-65535'],
  [{ CLAUDE_FLOW_ENABLED: 'maybe' }, 'Invalid setting CLAUDE_FLOW_ENABLED="maybe": allowed: true or false'],
  [{ CLAUDE_FLOW_MEMORY_BACKEND: 'redis' }, 'Invalid setting CLAUDE_FLOW_MEMORY_BACKEND="redis": allowed: postgres'],
  [{ TEMPORAL_ADDRESS: 'no-port' }, 'Invalid setting TEMPORAL_ADDRESS="no-port": allowed: host:port'],
  [{ DATABASE_URL: 'mysql://x' }, 'Invalid setting DATABASE_URL="<hidden>": allowed: a postgresql:// connection URL'],
  [
    { CLAUDE_FLOW_API_KEY: 'short' },
    'Invalid setting CLAUDE_FLOW_API_KEY="<hidden>": allowed: a secret of at least 16',
  ],
])('%j is refused with one line naming setting, value and what is allowed', (env, message) => {
  let error: unknown;
  try {
    loadConfig({ env, projectRoot: project() });
  } catch (err) {
    error = err;
  }
  expect(error).toBeInstanceOf(ConfigError);
  expect((error as Error).message).toContain(message);
  expect((error as Error).message).not.toContain('\n');
});

test('a bad value in a file names the file and the field', () => {
  const root = project({ '.claude-flow/settings.json': { api: { port: 'high' } } });
  expect(() => loadConfig({ env: {}, projectRoot: root })).toThrow(
    'Invalid setting api.port in .claude-flow/settings.json="high": allowed: a TCP port, 1-65535',
  );
});

test('a file that is not JSON is named', () => {
  const root = project({ 'config/claude-flow.json': '{ port: 1' });
  expect(() => loadConfig({ env: {}, projectRoot: root })).toThrow(/^config\/claude-flow\.json is not valid JSON/);
});

test('mTLS needs both certificate and key', () => {
  expect(() => loadConfig({ env: { TEMPORAL_TLS_CERT: '/c.pem' }, projectRoot: project() })).toThrow(
    /TEMPORAL_TLS_KEY/,
  );
  const c = loadConfig({ env: { TEMPORAL_TLS_CERT: '/c.pem', TEMPORAL_TLS_KEY: '/k.pem' }, projectRoot: project() });
  expect(c.temporal.tls).toEqual({ cert: '/c.pem', key: '/k.pem', ca: undefined, serverName: undefined });
});
