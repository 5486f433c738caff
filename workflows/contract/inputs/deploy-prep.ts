// deployPrep's input: build, test, changelog, version, notes, approval, release. Each default is
// written here, once.
import { z } from 'zod';
import { REPO, durationMs, httpUrl, repoPath } from './fields';
import { testSettings } from './test-run';

const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/;

export const deployPrepInput = z
  .object({
    path: repoPath,
    build: z
      .string()
      .max(4_000)
      .refine(
        (c) => c.trim().length > 0,
        'build is empty; give a command line such as "npm run build", or leave it out',
      )
      .optional()
      .describe('Build command line, run by /bin/sh in the repository; no build step when absent'),
    buildTimeoutMs: durationMs('buildTimeoutMs', 6).default(900_000).describe('Kill the build after this long (ms)'),
    test: testSettings.optional().describe('The tests, run as a child testRun workflow; no test step when absent'),
    tagPrefix: z
      .string()
      .max(50)
      .regex(/^[A-Za-z0-9._/-]*$/, 'tagPrefix may hold only letters, digits, ".", "_", "/" and "-" (e.g. "v")')
      .default('v')
      .describe('Version tags are <tagPrefix><semver>, e.g. v1.2.3'),
    version: z
      .string()
      .regex(SEMVER, 'version must be a semantic version MAJOR.MINOR.PATCH, e.g. 1.0.0 (no "v")')
      .optional()
      .describe('Release this version instead of the one computed from the commits'),
    aiNotes: z
      .boolean()
      .default(true)
      .describe('Write release notes with AI over the changelog (skipped → the changelog is the notes)'),
    release: z
      .object({
        github: z
          .object({
            repo: z
              .string()
              .regex(REPO, 'release.github.repo must be owner/name, e.g. octocat/hello-world')
              .describe('GitHub repository (owner/name) to create the release in; needs GITHUB_TOKEN'),
            draft: z.boolean().default(false).describe('Create the release as a draft'),
            prerelease: z.boolean().optional().describe('Mark as a pre-release; default: when the version has one'),
          })
          .strict()
          .optional(),
        webhook: z
          .object({
            url: httpUrl(
              'release.webhook.url must be an http:// or https:// URL',
              'release.webhook.url is not a valid URL',
            ).describe('Receives the release as JSON (POST, header Idempotency-Key: <workflow id>)'),
          })
          .strict()
          .optional(),
      })
      .strict()
      .optional()
      .describe('What to do once approved: a GitHub release, a webhook, both, or (absent) report only'),
    approval: z
      .object({
        timeoutMs: durationMs('approval.timeoutMs', 24 * 30)
          .default(86_400_000)
          .describe('How long to wait for a decision (ms)'),
        defaultOutcome: z
          .enum(['approve', 'reject'])
          .default('reject')
          .describe('What happens when nobody decides in time'),
      })
      .strict()
      // Absent: `{}` parsed, so the two defaults above apply (they are written only there).
      .prefault({})
      .describe('The approval gate before the release action'),
    dryRun: z.boolean().default(false).describe('Stop after the release notes: no approval, no release'),
  })
  .strict();

/** What a caller may send. */
export type DeployPrepInput = z.input<typeof deployPrepInput>;
/** The parsed input, defaults applied: what the workflow runs with. */
export type DeployPrepOptions = z.output<typeof deployPrepInput>;
