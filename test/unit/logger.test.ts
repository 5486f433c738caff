// The embedded stack's logger: JSON lines in the file, readable lines on the terminal.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { createLogger } from '../../lib/logger';

test('the terminal gets readable lines at warn and above, the file every line as JSON', () => {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cf-log-')), 'claude-flow.log');
  const terminal = new PassThrough();
  let shown = '';
  terminal.on('data', (d: Buffer) => (shown += d.toString()));
  const logger = createLogger({ logLevel: 'info' }, { file, name: 'claude-flow', console: terminal });
  logger.info({ applied: ['0001'] }, 'migrations applied');
  logger.warn({ sdk: 'temporal' }, 'could not register search attributes');
  logger.error({ err: new Error('connection refused') }, 'shutdown step failed');

  const lines = shown.trim().split('\n');
  expect(lines[0]).toMatch(
    /^\[\d\d:\d\d:\d\d\] WARN \(claude-flow\): could not register search attributes \{"sdk":"temporal"\}$/,
  );
  expect(lines[1]).toMatch(/^\[\d\d:\d\d:\d\d\] ERROR \(claude-flow\): shutdown step failed/);
  expect(shown).toContain('connection refused');
  expect(shown).not.toContain('migrations applied');
  expect(shown).not.toContain('"level"');

  const logged = fs
    .readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { level: number; msg: string });
  expect(logged.map((l) => [l.level, l.msg])).toEqual([
    [30, 'migrations applied'],
    [40, 'could not register search attributes'],
    [50, 'shutdown step failed'],
  ]);
});
