// The deployPrep workflow's activities (its build runs through runBuild, its tests through testRun).
import type { ActivityDeps } from '../../deps';
import { runCommand } from '../process';
import { assertRepoDir, badInput } from '../test-run/runner';
import { releasePlan } from './plan';
import type { ReleasePlan, ReleasePlanInput, WebhookReleaseInput, WebhookReleaseResult } from './types';
import { postReleaseWebhook } from './webhook';

export type * from './types';

export interface BuildResult {
  ok: boolean;
  exitCode: number | null;
  timedOut: boolean;
  durationMs: number;
  /** The last few KB of output. */
  outputTail: string;
}

export function createReleaseActivities(_deps: ActivityDeps) {
  return {
    /** Runs the build command (process tree killed on timeout or cancellation). */
    async runBuild(input: { path: string; command: string; timeoutMs?: number }): Promise<BuildResult> {
      await assertRepoDir(input.path);
      if (!input.command?.trim()) throw badInput('build is empty: give the build command, e.g. "npm run build"');
      const r = await runCommand({
        command: input.command,
        shell: true,
        cwd: input.path,
        timeoutMs: input.timeoutMs ?? 900_000,
        maxOutputBytes: 64 * 1024,
        env: { CI: 'true', FORCE_COLOR: '0', NO_COLOR: '1' },
      });
      const out = `${r.stdout}${r.stderr ? `\n${r.stderr}` : ''}`.trim();
      return {
        ok: r.exitCode === 0 && !r.timedOut,
        exitCode: r.exitCode,
        timedOut: r.timedOut,
        durationMs: r.durationMs,
        outputTail: out.length > 4_000 ? `…${out.slice(-4_000)}` : out,
      };
    },

    /** The last version tag, commits since it, next version and changelog. */
    async releasePlan(input: ReleasePlanInput): Promise<ReleasePlan> {
      return releasePlan(input);
    },

    /** POSTs the release to a webhook with an Idempotency-Key header. */
    async postReleaseWebhook(input: WebhookReleaseInput): Promise<WebhookReleaseResult> {
      return postReleaseWebhook(input);
    },
  };
}
