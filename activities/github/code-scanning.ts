// Uploading a SARIF log to GitHub code scanning for a commit (POST /repos/{o}/{r}/code-scanning/sarifs,
// the log gzipped and base64-encoded as GitHub requires), once across activity retries.
//
// An upload has no body to mark, so it is found the way GitHub shows it: as an analysis of the same
// commit, ref, tool and category created since the workflow started. A retry whose earlier attempt
// may have posted (its last heartbeat said so, and no answer came) waits a while for that analysis
// to appear before it posts again; an attempt that got GitHub's answer left the upload id in its
// heartbeat, so its retry posts nothing.
import { gzipSync } from 'node:zlib';
import fs from 'node:fs';
import { Context } from '@temporalio/activity';
import { type GithubClient, NO_RETRY } from './client';

type Where = { owner: string; repo: string };

export interface UploadSarifInput {
  repo: string;
  commitSha: string;
  /** refs/heads/<branch>, refs/tags/<tag> or refs/pull/<n>/head. */
  ref: string;
  sarifPath: string;
  /** The driver name in the log (how GitHub names the tool of the analysis). */
  toolName: string;
  /** Its category (runAutomationDetails.id up to the last `/`). */
  category: string;
  /** When the workflow started (ms since the epoch): analyses older than this are another run's. */
  since: number;
  /** How long to wait for GitHub to process the upload before reporting it as still pending. @default 60000 */
  waitMs?: number;
}

export type UploadSarifResult =
  | {
      outcome: 'uploaded' | 'reused';
      sarifId: string;
      /** GitHub's processing status when we stopped waiting: pending, complete or failed. */
      processingStatus: string;
      errors?: string[];
      analysisUrl?: string;
    }
  | { outcome: 'skipped'; reason: string };

/** GitHub's limit for one upload, gzipped. */
export const MAX_SARIF_GZIP_BYTES = 10 * 1024 * 1024;
/** Skew allowed between our clock and GitHub's when matching an analysis to this run. */
const CLOCK_SKEW_MS = 60_000;
/** How long a retry looks for an earlier attempt's upload before posting again. */
const FIND_EARLIER_MS = 30_000;

interface Beat {
  phase: 'posting' | 'posted';
  sarifId?: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The log as GitHub takes it: gzip, then base64. */
export function encodeSarif(text: string): string {
  return gzipSync(Buffer.from(text, 'utf8')).toString('base64');
}

async function findAnalysis(octokit: GithubClient, where: Where, input: UploadSarifInput) {
  const pages = octokit.paginate.iterator(octokit.rest.codeScanning.listRecentAnalyses, {
    ...where,
    ref: input.ref,
    tool_name: input.toolName,
    per_page: 100,
  });
  for await (const page of pages) {
    for (const a of page.data) {
      const created = Date.parse(a.created_at);
      if (a.commit_sha === input.commitSha && a.category === input.category && created >= input.since - CLOCK_SKEW_MS) {
        return a;
      }
      if (created < input.since - CLOCK_SKEW_MS) return undefined; // newest first: the rest is older
    }
  }
  return undefined;
}

async function waitProcessed(octokit: GithubClient, where: Where, sarifId: string, waitMs: number) {
  const until = Date.now() + waitMs;
  for (let delay = 500; ; delay = Math.min(delay * 2, 5_000)) {
    const { data } = await octokit.rest.codeScanning.getSarif({ ...where, sarif_id: sarifId });
    if (data.processing_status !== 'pending' || Date.now() + delay > until) return data;
    Context.current().heartbeat({ phase: 'posted', sarifId } satisfies Beat);
    await sleep(delay);
  }
}

export async function uploadSarif(
  octokit: GithubClient,
  where: Where,
  input: UploadSarifInput,
): Promise<UploadSarifResult> {
  const ctx = Context.current();
  const earlier = ctx.info.heartbeatDetails as Beat | undefined;
  const waitMs = input.waitMs ?? 60_000;
  const done = async (outcome: 'uploaded' | 'reused', sarifId: string): Promise<UploadSarifResult> => {
    const status = await waitProcessed(octokit, where, sarifId, waitMs);
    return {
      outcome,
      sarifId,
      processingStatus: status.processing_status ?? 'pending',
      ...(status.errors?.length ? { errors: status.errors.map(String) } : {}),
      ...(status.analyses_url ? { analysisUrl: status.analyses_url } : {}),
    };
  };
  if (earlier?.sarifId) return done('reused', earlier.sarifId);

  let found = await findAnalysis(octokit, where, input);
  if (!found && earlier?.phase === 'posting') {
    // The earlier attempt posted and lost the answer, or died first: GitHub lists an upload only
    // once it is processed, so look again for a while before posting a second one.
    for (const until = Date.now() + FIND_EARLIER_MS; !found && Date.now() < until;) {
      ctx.heartbeat(earlier);
      await sleep(3_000);
      found = await findAnalysis(octokit, where, input);
    }
  }
  if (found?.sarif_id) return done('reused', found.sarif_id);

  const sarif = encodeSarif(fs.readFileSync(input.sarifPath, 'utf8'));
  if (Buffer.byteLength(sarif, 'base64') > MAX_SARIF_GZIP_BYTES) {
    return {
      outcome: 'skipped',
      reason: `the SARIF log is ${(Buffer.byteLength(sarif, 'base64') / 1048576).toFixed(1)} MB gzipped; GitHub takes at most 10 MB (audit fewer files with maxFiles)`,
    };
  }
  ctx.heartbeat({ phase: 'posting' } satisfies Beat);
  const { data } = await octokit.rest.codeScanning.uploadSarif({
    ...where,
    commit_sha: input.commitSha,
    ref: input.ref,
    sarif,
    tool_name: input.toolName,
    ...NO_RETRY,
  });
  const sarifId = data.id as string;
  ctx.heartbeat({ phase: 'posted', sarifId } satisfies Beat);
  return done('uploaded', sarifId);
}
