// Starts, once for the whole run: a Temporal dev server (in memory), an embedded PostgreSQL with a
// migrated template database, and the workflow bundle. Installs the Temporal binaries if needed, and
// the security audit's analysers (gitleaks, Semgrep) and the OpenTelemetry Collector the tracing test
// receives spans in (ops/otelcol) into .tools/ alongside, once (then cached).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../lib/config';
import {
  findBinary,
  findBinaryAsync,
  GITLEAKS,
  SEMGREP,
  TEMPORAL_CLI,
  TEMPORAL_TEST_SERVER,
} from '../../stack/binaries';
import { applyMigrations, migrationsDir } from '../../lib/migrations';
import { findOtelcol } from '../../stack/otelcol';
import { ensureDatabase, startEmbeddedPostgres, type EmbeddedPostgres } from '../../stack/postgres';
import { freePort, startTemporalServer, type TemporalServer } from '../../stack/temporal-server';
import { workflowBundle } from '../../workers/bundle';
import { publishHarness } from './harness';

export const TEMPLATE_DB = 'cf_template';

declare global {
  var __cfStack: { temporal: TemporalServer; postgres: EmbeddedPostgres; tmpDir: string } | undefined;
}

export default async function globalSetup(): Promise<void> {
  const t0 = Date.now();
  const config = loadConfig();
  const root = config.projectRoot;
  const log = (l: string) => process.stdout.write(`[test setup] ${l}\n`);
  const temporalCli = findBinary(TEMPORAL_CLI, {
    configured: config.temporal.cliPath,
    configuredName: 'TEMPORAL_CLI_PATH',
    root,
    log,
  });
  const testServer = findBinary(TEMPORAL_TEST_SERVER, {
    configured: config.temporal.testServerPath,
    configuredName: 'TEMPORAL_TEST_SERVER_PATH',
    root,
    log,
  });

  // Installed while Temporal and PostgreSQL start. A tool that cannot be had is a skip the tests
  // that need it announce (test/helpers/analysers.ts), never a failed setup.
  const analysers = Promise.all(
    (
      [
        [GITLEAKS, config.analysers.gitleaksPath, 'GITLEAKS_PATH'],
        [SEMGREP, config.analysers.semgrepPath, 'SEMGREP_PATH'],
      ] as const
    ).map(
      async ([spec, configured, configuredName]): Promise<
        [string, { path: string; ms: number } | { unavailable: string }]
      > => {
        const t = Date.now();
        try {
          const found = await findBinaryAsync(spec, { configured, configuredName, root, log });
          return [spec.command, { path: found, ms: Date.now() - t }];
        } catch (err) {
          log(`${spec.command} unavailable: ${(err as Error).message}`);
          return [spec.command, { unavailable: (err as Error).message }];
        }
      },
    ),
  );

  // Built here (a few minutes, then cached) when missing; findOtelcol logs the build.
  const otelcol = findOtelcol({ root, log }).then(
    (found) => ({ path: found }),
    (err: Error) => {
      log(`OpenTelemetry Collector unavailable: ${err.message}`);
      return { unavailable: err.message };
    },
  );

  const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cf-test-'));
  fs.chmodSync(tmpDir, 0o755); // the embedded PostgreSQL may run as another OS user
  const [temporal, postgres, bundle] = await Promise.all([
    freePort().then((port) =>
      startTemporalServer({
        executable: temporalCli,
        port,
        namespace: 'default',
        logFile: path.join(tmpDir, 'temporal.log'),
      }),
    ),
    freePort().then((port) =>
      startEmbeddedPostgres(root, {
        dataDir: path.join(tmpDir, 'pg'),
        port,
        logFile: path.join(tmpDir, 'postgres.log'),
        ephemeral: true,
      }),
    ),
    workflowBundle(),
  ]);
  const tools = Object.fromEntries(await analysers);
  const collector = await otelcol;
  globalThis.__cfStack = { temporal, postgres, tmpDir };

  await ensureDatabase(postgres.adminUrl, TEMPLATE_DB);
  const templateUrl = new URL(postgres.adminUrl);
  templateUrl.pathname = `/${TEMPLATE_DB}`;
  await applyMigrations(templateUrl.toString(), migrationsDir(root));

  const bundlePath = path.join(tmpDir, 'workflow-bundle.js');
  fs.writeFileSync(bundlePath, bundle.code);
  publishHarness({
    temporalAddress: temporal.address,
    temporalCli,
    testServer,
    pgAdminUrl: postgres.adminUrl,
    templateDatabase: TEMPLATE_DB,
    bundlePath,
    tmpDir,
    analysers: Object.fromEntries(
      Object.entries(tools).map(([name, t]) => [name, 'path' in t ? { path: t.path } : { unavailable: t.unavailable }]),
    ),
    otelcol: collector,
  });
  const toolLine = Object.entries(tools)
    .map(([name, t]) =>
      'path' in t
        ? `${name} ${t.ms > 5000 ? `installed in ${Math.round(t.ms / 1000)} s` : 'ready'}`
        : `${name} unavailable`,
    )
    .join(', ');
  log(`analysers: ${toolLine}`);
  log(`OpenTelemetry Collector: ${'path' in collector ? 'ready' : 'unavailable'}`);
  log(`Temporal ${temporal.address}, PostgreSQL ${new URL(postgres.adminUrl).port}, ready in ${Date.now() - t0} ms`);
}
