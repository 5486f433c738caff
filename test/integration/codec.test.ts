// Encrypted payloads: the worker and clients encrypt, the Temporal server stores only ciphertext,
// and the codec endpoint decrypts for the Temporal Web UI.
import { randomBytes } from 'node:crypto';
import { Client } from '@temporalio/client';
import request from 'supertest';
import { createApp } from '../../api/app';
import { AesGcmPayloadCodec, ENCRYPTED_ENCODING } from '../../lib/codec';
import { systemCheck } from '../../workflows';
import { aiTask } from '../../workflows';
import { startTestApp, type TestApp } from '../helpers/stack';

const key = randomBytes(32);
let app: TestApp;

beforeAll(async () => {
  app = await startTestApp({ env: { CLAUDE_FLOW_PAYLOAD_KEY: key.toString('base64') } });
});
afterAll(async () => {
  await app?.close();
});

test('workflow inputs and results are ciphertext on the server, plain to configured clients', async () => {
  const secret = 'the launch code is 0000';
  const handle = await app.client.workflow.start(aiTask, {
    taskQueue: app.config.temporal.taskQueue,
    workflowId: `codec-${Date.now()}`,
    args: [{ task: 'chat', optional: true, messages: [{ role: 'user', content: secret }] }],
  });
  // No provider configured and optional: the step is skipped, readable through the codec client.
  expect(await handle.result()).toMatchObject({ outcome: 'skipped' });

  // A client without the codec sees what the server stores.
  const raw = new Client({ connection: app.client.connection, namespace: app.config.temporal.namespace });
  const history = await raw.workflow.getHandle(handle.workflowId).fetchHistory();
  const input = history.events?.[0].workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
  expect(Buffer.from(input?.metadata?.encoding ?? []).toString()).toBe(ENCRYPTED_ENCODING);
  expect(JSON.stringify(history)).not.toContain('launch code');
  expect(Buffer.from(input?.data ?? []).toString('latin1')).not.toContain('launch code');

  // The codec endpoint decodes it for the Web UI.
  const http = createApp({ ...app, temporal: app.client });
  const wire = {
    metadata: Object.fromEntries(
      Object.entries(input?.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
    ),
    data: Buffer.from(input?.data ?? []).toString('base64'),
  };
  const res = await request(http)
    .post('/api/claude-flow/codec/decode')
    .set('Origin', 'http://localhost:8233')
    .send({ payloads: [wire] })
    .expect(200);
  expect(res.headers['access-control-allow-origin']).toBe('http://localhost:8233');
  const decoded = res.body.payloads[0];
  expect(Buffer.from(decoded.metadata.encoding, 'base64').toString()).toBe('json/plain');
  expect(Buffer.from(decoded.data, 'base64').toString()).toContain(secret);
});

test('CORS admits the Temporal UI origins only; preflight answers 204', async () => {
  const http = createApp({ ...app, temporal: app.client });
  const ok = await request(http)
    .options('/api/claude-flow/codec/decode')
    .set('Origin', 'http://127.0.0.1:8233')
    .expect(204);
  expect(ok.headers['access-control-allow-headers']).toContain('x-namespace');
  const evil = await request(http)
    .options('/api/claude-flow/codec/decode')
    .set('Origin', 'https://evil.example')
    .expect(204);
  expect(evil.headers['access-control-allow-origin']).toBeUndefined();
});

test('a rotated key still decodes old payloads when kept as a previous key; without it the error says what to do', async () => {
  const oldCodec = new AesGcmPayloadCodec(key);
  const [sealed] = await oldCodec.encode([
    { metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from('"hi"') },
  ]);
  const rotated = new AesGcmPayloadCodec(randomBytes(32), [key]);
  const [opened] = await rotated.decode([sealed]);
  expect(Buffer.from(opened.data ?? []).toString()).toBe('"hi"');
  await expect(new AesGcmPayloadCodec(randomBytes(32)).decode([sealed])).rejects.toThrow(
    /add it to CLAUDE_FLOW_PAYLOAD_PREVIOUS_KEYS/,
  );
});

test('a system check still runs end to end with encryption on', async () => {
  const r = await app.client.workflow.execute(systemCheck, {
    taskQueue: app.config.temporal.taskQueue,
    workflowId: `codec-check-${Date.now()}`,
  });
  expect(r.postgresVersion).toMatch(/^\d+/);
});

test('with no key the codec endpoint says payloads are plain', async () => {
  const plain = await startTestApp({ worker: false });
  try {
    const res = await request(createApp({ ...plain, temporal: plain.client }))
      .post('/api/claude-flow/codec/decode')
      .send({ payloads: [] })
      .expect(404);
    expect(res.body.detail).toContain('no CLAUDE_FLOW_PAYLOAD_KEY');
  } finally {
    await plain.close();
  }
});
