// Determinism guard: every recorded history under test/histories/ must replay against the current
// workflow code. A change that breaks a running workflow fails here, not in production.
import fs from 'node:fs';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { quietTemporal } from '../helpers/stack';
import { harness } from '../setup/harness';

const dir = path.join(__dirname, '..', 'histories');
const files = fs.readdirSync(dir).filter((f) => f.endsWith('.json'));

// The replay workers' state changes go to this file's log, not the terminal.
beforeAll(() => quietTemporal());

test('there are recorded histories to replay', () => {
  expect(files.length).toBeGreaterThan(0);
});

test.each(files)('%s replays without nondeterminism', async (file) => {
  const { workflowId, history: json } = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
  // Decoded here rather than by the SDK's JSON loader, which trips over Jest's module isolation.
  const history = temporal.api.history.v1.History.fromObject(json);
  const results = Worker.runReplayHistories(
    { workflowBundle: { code: fs.readFileSync(harness().bundlePath, 'utf8') } },
    [{ workflowId, history }],
  );
  for await (const result of results) {
    expect(result.error).toBeUndefined();
  }
});
