import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, documentedDefault, loadConfig, SETTINGS } from '../../lib/config';
import { intervalMs } from '../../lib/memory-schedule';

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

test('the documented default is the schema default, written as a user would write it', () => {
  expect(documentedDefault(SETTINGS.temporalPort)).toBe('7233');
  expect(documentedDefault(SETTINGS.enabled)).toBe('true');
  expect(documentedDefault(SETTINGS.memorySealed)).toBe('secrets/');
  expect(documentedDefault(SETTINGS.shellAllowlist)).toBe('git,npm,node,ls,cat,echo,grep');
  expect(documentedDefault(SETTINGS.webhookWorkflows)).toBe('{}');
  // No default, or an empty one: nothing to document.
  expect(documentedDefault(SETTINGS.temporalAddress)).toBeUndefined();
  expect(documentedDefault(SETTINGS.corsOrigins)).toBeUndefined();
  // And it is what loading with nothing set gives.
  const c = loadConfig({ env: {}, projectRoot: project() });
  expect(String(c.temporal.port)).toBe(documentedDefault(SETTINGS.temporalPort));
  expect(c.memory.sealed.join(',')).toBe(documentedDefault(SETTINGS.memorySealed));
});

test('settings that are decoded or moved reach their Config fields', () => {
  const key = (n: number) => n.toString(16).padStart(2, '0').repeat(32);
  const env = {
    TEMPORAL_TLS_CERT: '/c.pem',
    TEMPORAL_TLS_KEY: '/k.pem',
    CLAUDE_FLOW_MEMORY_KEY: key(1),
    CLAUDE_FLOW_MEMORY_PREVIOUS_KEY: key(2),
    CLAUDE_FLOW_PAYLOAD_KEY: key(3),
    CLAUDE_FLOW_PAYLOAD_PREVIOUS_KEYS: key(4),
    TEMPORAL_UI_URL: 'http://ui.example:8080',
    LOG_LEVEL: 'warn',
  };
  const c = loadConfig({ env, projectRoot: project() });
  expect(c.temporal.tls).toMatchObject({ cert: '/c.pem', key: '/k.pem' });
  expect(c.memory.key?.toString('hex')).toBe(key(1));
  expect(c.memory.previousKey?.toString('hex')).toBe(key(2));
  expect(c.payloads.key?.toString('hex')).toBe(key(3));
  expect(c.payloads.previousKeys.map((k) => k.toString('hex'))).toEqual([key(4)]);
  expect(c.payloads.uiOrigins).toContain('http://ui.example:8080');
  expect(c.logLevel).toBe('warn');
  expect(c.memory.ai).toBe(c.ai);
});

test('the memory maintenance interval is a duration in the one grammar (at least a second), or off', () => {
  const interval = (v: string) =>
    loadConfig({ env: { CLAUDE_FLOW_MEMORY_MAINTENANCE_INTERVAL: v }, projectRoot: project() }).memory
      .maintenanceInterval;
  for (const v of ['30m', '1h', '1d', '90 minutes', '2 hours', '1.5h', 'off']) expect(interval(v)).toBe(v);
  expect(intervalMs('90 minutes')).toBe(5_400_000);
  expect(intervalMs('1.5h')).toBe(5_400_000);
  for (const v of ['0s', '500ms', '15', 'hourly']) {
    expect(() => interval(v)).toThrow(`Invalid setting CLAUDE_FLOW_MEMORY_MAINTENANCE_INTERVAL="${v}"`);
  }
});
