// No Docker engine runs here, so docker-compose.yml is checked statically against the code:
// services, images, ports and every environment name the Claude Flow services are given.
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { findProjectRoot, SETTINGS } from '../../lib/config';

const root = findProjectRoot();
const compose = YAML.parse(fs.readFileSync(path.join(root, 'docker-compose.yml'), 'utf8'), { merge: true });
const services = compose.services as Record<
  string,
  { image?: string; build?: string; environment?: Record<string, string>; ports?: string[]; command?: string[] }
>;
const knownEnv = new Set<string>(Object.values(SETTINGS).map((s) => s.env));
const scripts = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).scripts as Record<string, string>;

test('the production shape: postgres, temporal, its UI, api and worker (plus a migrate job)', () => {
  expect(Object.keys(services).sort()).toEqual(['api', 'migrate', 'postgres', 'temporal', 'temporal-ui', 'worker']);
  expect(services.postgres.image).toMatch(/^postgres:\d+/);
  expect(services.temporal.image).toMatch(/^temporalio\/auto-setup:/);
  expect(services['temporal-ui'].image).toMatch(/^temporalio\/ui:/);
});

test.each(['api', 'worker', 'migrate'])(
  '%s is built from the repo Dockerfile and runs an npm script that exists',
  (name) => {
    const svc = services[name];
    expect(svc.build).toBe('.');
    expect(fs.existsSync(path.join(root, 'Dockerfile'))).toBe(true);
    const [npm, run, script] = svc.command ?? [];
    expect([npm, run]).toEqual(['npm', 'run']);
    expect(scripts[script]).toBeDefined();
  },
);

test.each(['api', 'worker', 'migrate'])('%s is configured only with settings lib/config knows', (name) => {
  const env = services[name].environment ?? {};
  const unknown = Object.keys(env).filter((k) => !knownEnv.has(k));
  expect(unknown).toEqual([]);
  expect(Object.keys(env)).toEqual(expect.arrayContaining(['TEMPORAL_ADDRESS', 'DATABASE_URL', 'CLAUDE_FLOW_API_KEY']));
});

test('addresses and ports agree between services', () => {
  const api = services.api.environment ?? {};
  const [host, port] = (api.TEMPORAL_ADDRESS as string).split(':');
  expect(services[host]).toBeDefined();
  expect(services[host].ports).toContain(`${port}:${port}`);
  expect(services['temporal-ui'].environment?.TEMPORAL_ADDRESS).toBe(api.TEMPORAL_ADDRESS);

  const db = new URL(api.DATABASE_URL as string);
  expect(services[db.hostname]).toBeDefined();
  const pgEnv = services.postgres.environment ?? {};
  expect(db.username).toBe(pgEnv.POSTGRES_USER);
  expect(decodeURIComponent(db.password)).toBe(pgEnv.POSTGRES_PASSWORD);
  expect(db.pathname).toBe(`/${pgEnv.POSTGRES_DB}`);
  const temporalEnv = services.temporal.environment ?? {};
  expect(temporalEnv.POSTGRES_SEEDS).toBe(db.hostname);

  expect(services.api.ports).toContain(`${api.PORT}:${api.PORT}`);
  // Listening beyond loopback requires a key: compose must not start the API without one.
  expect(api.HOST).toBe('0.0.0.0');
  expect(String(api.CLAUDE_FLOW_API_KEY)).toMatch(/^\$\{CLAUDE_FLOW_API_KEY:\?/);
});
