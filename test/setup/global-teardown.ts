import fs from 'node:fs';

export default async function globalTeardown(): Promise<void> {
  const stack = globalThis.__cfStack;
  if (!stack) return;
  await Promise.all([stack.temporal.stop(5_000), stack.postgres.stop(5_000)]);
  fs.rmSync(stack.tmpDir, { recursive: true, force: true });
}
