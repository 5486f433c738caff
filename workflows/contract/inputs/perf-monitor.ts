// perfMonitor's input: the HTTP endpoints to probe, how, the regression rule and where alerts go.
// Each default is written here, once.
import { z } from 'zod';
import { REPO, httpUrl } from './fields';

/** An endpoint name is one memory namespace segment: results live in `performance/<name>/`. */
const ENDPOINT_NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/;

const endpoint = z
  .object({
    name: z
      .string()
      .regex(
        ENDPOINT_NAME,
        'endpoint name must be 1-100 letters, digits, ".", "_", ":" or "-", starting with a letter or digit (it names the memory namespace performance/<name>/)',
      )
      .describe('Short name; results are stored in memory under performance/<name>/'),
    url: httpUrl(
      'url must be an absolute http:// or https:// URL, e.g. https://api.example.com/health',
      'url is not a valid URL',
    ).describe('The URL to request'),
    method: z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']).default('GET').describe('HTTP method'),
    headers: z
      .record(
        z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'header names are HTTP tokens, e.g. X-Api-Key'),
        z.string(),
      )
      .optional()
      .describe('Request headers'),
    body: z
      .union([z.string().max(1_000_000), z.record(z.string(), z.unknown()), z.array(z.unknown())])
      .optional()
      .describe('Request body: text as given, or JSON (sent with content-type application/json)'),
    expectStatus: z
      .union([z.number().int().min(100).max(599), z.array(z.number().int().min(100).max(599)).min(1).max(20)])
      .optional()
      .describe('Status code(s) that count as success; default any 2xx'),
  })
  .strict()
  .superRefine((e, ctx) => {
    if (e.body !== undefined && (e.method === 'GET' || e.method === 'HEAD')) {
      ctx.addIssue({ code: 'custom', path: ['body'], message: `a ${e.method} request cannot have a body; use POST` });
    }
  });

export const perfMonitorInput = z
  .object({
    endpoints: z
      .array(endpoint)
      .min(1, 'give at least one endpoint: [{"name":"health","url":"https://..."}]')
      .max(20)
      .describe('HTTP endpoints to probe, one after another')
      .superRefine((list, ctx) => {
        const seen = new Set<string>();
        list.forEach((e, i) => {
          if (seen.has(e.name)) {
            ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `endpoint name "${e.name}" is used twice` });
          }
          seen.add(e.name);
        });
      }),
    requests: z.number().int().min(1).max(1000).default(20).describe('Requests per endpoint'),
    concurrency: z.number().int().min(1).max(32).default(4).describe('Requests in flight at once per endpoint'),
    timeoutMs: z
      .number()
      .int()
      .min(100)
      .max(60_000)
      .default(10_000)
      .describe('Per-request timeout; a request that takes longer counts as an error'),
    warmup: z
      .boolean()
      .default(true)
      .describe('Send one unmeasured request per concurrent slot before measuring (warm connections and caches)'),
    regressionThreshold: z
      .number()
      .min(0)
      .max(100)
      .default(0.2)
      .describe('Relative worsening of p95 latency or error rate that counts as a regression (0.2 = 20%)'),
    minDeltaMs: z
      .number()
      .min(0)
      .max(60_000)
      .default(5)
      .describe('A p95 regression must also be at least this many ms slower than the baseline'),
    baseline: z
      .enum(['stored', 'reset'])
      .default('stored')
      .describe(
        'stored: compare with the stored baseline (set from this run when there is none); reset: this run becomes the baseline',
      ),
    alert: z
      .object({
        github: z
          .object({
            repo: z
              .string()
              .regex(REPO, 'repo must be owner/name, e.g. acme/api')
              .describe('Repository to open the regression issue in'),
            labels: z.array(z.string().min(1).max(50)).max(10).optional().describe('Labels for the issue'),
          })
          .strict()
          .optional(),
        webhook: z
          .object({
            url: httpUrl(
              'webhook url must be an absolute http:// or https:// URL',
              'webhook url is not a valid URL',
            ).describe('Receives a JSON POST with Idempotency-Key: <workflowId>'),
          })
          .strict()
          .optional(),
      })
      .strict()
      .optional()
      .describe('Where a regression is reported (nothing is sent without one)'),
  })
  .strict();

/** What a caller may send. */
export type PerfMonitorInput = z.input<typeof perfMonitorInput>;
/** The parsed input, defaults applied: what the workflow runs with. */
export type PerfMonitorOptions = z.output<typeof perfMonitorInput>;
export type PerfEndpoint = PerfMonitorOptions['endpoints'][number];
