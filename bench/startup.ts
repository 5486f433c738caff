// bench/startup: `npm start` to ready, cold (first start: initdb, bundle) and warm, against a bare
// baseline measured in the same run: the Temporal dev server and PostgreSQL started on their own.
//
//   npx tsx bench/startup.ts
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findProjectRoot, loadConfig } from '../lib/config';
import { findBinary, TEMPORAL_CLI } from '../stack/binaries';
import { startEmbeddedPostgres } from '../stack/postgres';
import { freePort, startTemporalServer } from '../stack/temporal-server';

const root = findProjectRoot();

async function stackToReady(dataDir: string, cli: string): Promise<number> {
  const env: NodeJS.ProcessEnv = {
    ...process.env, // eslint-disable-line no-restricted-properties -- the child gets our environment plus its ports
    CLAUDE_FLOW_DATA_DIR: dataDir,
    TEMPORAL_CLI_PATH: cli,
    PORT: String(await freePort()),
    TEMPORAL_PORT: String(await freePort()),
    TEMPORAL_UI_PORT: String(await freePort()),
    EMBEDDED_POSTGRES_PORT: String(await freePort()),
  };
  delete env.TEMPORAL_ADDRESS;
  delete env.DATABASE_URL;
  const t0 = performance.now();
  const child = spawn(path.join(root, 'node_modules', '.bin', 'tsx'), ['stack/start.ts'], { cwd: root, env });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('Press Ctrl-C to stop.')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`stack exited ${code}: ${out}`)));
  });
  const elapsed = performance.now() - t0;
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  return elapsed;
}

async function bare(dataDir: string, cli: string): Promise<number> {
  const t0 = performance.now();
  const [temporal, pg] = await Promise.all([
    freePort().then(async (port) =>
      startTemporalServer({
        executable: cli,
        port,
        uiPort: await freePort(),
        dbFilename: path.join(dataDir, 'temporal.db'),
        namespace: 'default',
        logFile: path.join(dataDir, 'temporal.log'),
      }),
    ),
    freePort().then((port) =>
      startEmbeddedPostgres(root, { dataDir: path.join(dataDir, 'pg'), port, logFile: path.join(dataDir, 'pg.log') }),
    ),
  ]);
  const elapsed = performance.now() - t0;
  await Promise.all([temporal.stop(), pg.stop()]);
  return elapsed;
}

async function main(): Promise<void> {
  const cli = findBinary(TEMPORAL_CLI, {
    configured: loadConfig().temporal.cliPath,
    configuredName: 'TEMPORAL_CLI_PATH',
    root,
  });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cf-bench-start-'));
  fs.chmodSync(tmp, 0o755);
  const mk = (name: string) => {
    const d = path.join(tmp, name);
    fs.mkdirSync(d, { mode: 0o755 });
    return d;
  };
  try {
    const bareDir = mk('bare');
    const bareCold = await bare(bareDir, cli);
    const bareWarm = await bare(bareDir, cli);
    const stackDir = mk('stack');
    const cold = await stackToReady(stackDir, cli);
    const warm: number[] = [];
    for (let i = 0; i < 3; i++) warm.push(await stackToReady(stackDir, cli));
    const warmMedian = warm.sort((a, b) => a - b)[1];
    const s = (n: number) => (n / 1000).toFixed(2);
    console.log('bench/startup (seconds)\n');
    console.log('| measurement | cold | warm |\n| --- | --- | --- |');
    console.log(`| bare: Temporal dev server + PostgreSQL only | ${s(bareCold)} | ${s(bareWarm)} |`);
    console.log(
      `| npm start to ready (migrations, worker, API, readiness) | ${s(cold)} | ${s(warmMedian)} (median of 3) |`,
    );
    console.log(`\nwarm npm start / warm bare: ${(warmMedian / bareWarm).toFixed(2)}x; target: warm start under 10 s`);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
