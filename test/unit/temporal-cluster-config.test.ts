// ops/temporal/cluster.yaml and docker-compose.yml describe the same production shape: the same
// Temporal Server major.minor, PostgreSQL (postgres12) for persistence and visibility, the same
// credentials and databases, namespace and frontend port. The template is rendered here with the
// compose file's environment for the temporal service, the way the server renders it at start.
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { loadConfig } from '../../lib/config';
import {
  CLUSTER_CONFIG_DIR,
  CLUSTER_CONFIG_ENV,
  CLUSTER_DATABASES,
  TEMPORAL_SERVER_VERSION,
} from '../../stack/temporal-cluster';

const root = path.join(__dirname, '..', '..');
const template = fs.readFileSync(path.join(root, CLUSTER_CONFIG_DIR, `${CLUSTER_CONFIG_ENV}.yaml`), 'utf8');
const compose = YAML.parse(fs.readFileSync(path.join(root, 'docker-compose.yml'), 'utf8')) as {
  'x-claude-flow-env': Record<string, string>;
  services: Record<string, { image?: string; environment?: Record<string, string>; ports?: string[] }>;
};
const temporalService = compose.services.temporal;
const composeEnv = temporalService.environment ?? {};

/** The one template construct the file uses, `{{ default "<value>" (env "<NAME>") }}`; anything else fails. */
function render(text: string, env: Record<string, string | undefined>): string {
  const out = text.replace(/\{\{ default "([^"]*)" \(env "([A-Z_]+)"\) \}\}/g, (_, fallback: string, name: string) => {
    const value = env[name];
    return value === undefined || value === '' ? fallback : value;
  });
  const left = /\{\{.*?\}\}/.exec(out);
  if (left)
    throw new Error(
      `ops/temporal/${CLUSTER_CONFIG_ENV}.yaml uses a template construct this test cannot read: ${left[0]}`,
    );
  return out;
}

interface SqlStore {
  sql?: { pluginName: string; databaseName: string; connectAddr: string; user: string; password: string };
}
interface ServerConfig {
  persistence: { defaultStore: string; visibilityStore: string; datastores: Record<string, SqlStore> };
  services: Record<string, { rpc: { grpcPort: number } }>;
}

const rendered = YAML.parse(render(template, composeEnv)) as ServerConfig;

test('the server built is the major.minor of the auto-setup image docker-compose.yml runs', () => {
  const tag = /^temporalio\/auto-setup:(\d+\.\d+)/.exec(temporalService.image ?? '');
  expect(tag?.[1]).toBe(TEMPORAL_SERVER_VERSION.split('.').slice(0, 2).join('.'));
});

test('persistence and visibility are both SQL stores on PostgreSQL, as DB=postgres12 sets up', () => {
  expect(composeEnv.DB).toBe('postgres12');
  expect(composeEnv.ENABLE_ES ?? 'false').toBe('false'); // visibility stays in SQL, not Elasticsearch
  const { defaultStore, visibilityStore, datastores } = rendered.persistence;
  expect(defaultStore).not.toBe(visibilityStore);
  for (const [store, database] of [
    [defaultStore, composeEnv.DBNAME ?? CLUSTER_DATABASES.default],
    [visibilityStore, composeEnv.VISIBILITY_DBNAME ?? CLUSTER_DATABASES.visibility],
  ]) {
    const sql = datastores[store]?.sql;
    expect(sql).toEqual(
      expect.objectContaining({
        pluginName: composeEnv.DB,
        databaseName: database,
        connectAddr: `${composeEnv.POSTGRES_SEEDS}:${composeEnv.DB_PORT}`,
        user: composeEnv.POSTGRES_USER,
        password: composeEnv.POSTGRES_PWD,
      }),
    );
  }
  // With nothing set, the template still means postgres12 (what the stack passes, not an accident).
  const bare = YAML.parse(render(template, {})) as ServerConfig;
  for (const store of Object.values(bare.persistence.datastores)) expect(store.sql?.pluginName).toBe('postgres12');
});

test('the namespace and the frontend port are the ones the compose services use', () => {
  const appEnv = compose['x-claude-flow-env'];
  // auto-setup registers DEFAULT_NAMESPACE (default "default"); the API and worker use TEMPORAL_NAMESPACE.
  expect(appEnv.TEMPORAL_NAMESPACE).toBe(composeEnv.DEFAULT_NAMESPACE ?? 'default');
  expect(loadConfig({ env: {} }).temporal.namespace).toBe(appEnv.TEMPORAL_NAMESPACE);
  const grpcPort = rendered.services.frontend.rpc.grpcPort;
  expect(appEnv.TEMPORAL_ADDRESS).toBe(`temporal:${grpcPort}`);
  expect(temporalService.ports).toContain(`${grpcPort}:${grpcPort}`);
  expect(Object.keys(rendered.services).sort()).toEqual(['frontend', 'history', 'matching', 'worker']);
});
