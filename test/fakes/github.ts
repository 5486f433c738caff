// A wire-level fake of the GitHub REST API endpoints the GitHub activities use, for pointing the real
// Octokit at: `GITHUB_API_URL=fake.url`. It serves under /api/v3, like GitHub Enterprise Server, keeps
// repositories, pull requests, files and everything posted in memory, sends rate-limit headers on every
// response, paginates lists with Link headers, and plays scripted faults (rate limits, 5xx, 401, and a
// post that is stored but whose response never arrives). Code scanning uploads are decoded as GitHub
// does (base64, then gzip, then SARIF JSON) and listed as analyses. A repository given a `gitDir` is
// also served over git's smart HTTP protocol at /<owner>/<name>.git, by the real `git http-backend`.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import {
  bearerToken,
  cutConnection,
  type IncomingCall,
  type RecordedRequest,
  sendJson,
  sendRaw,
  startHttpFake,
} from './http-fake';

const PREFIX = '/api/v3';
const DOCS = 'https://docs.github.com/rest';

export interface FakeFile {
  filename: string;
  status?: 'added' | 'modified' | 'removed' | 'renamed';
  additions?: number;
  deletions?: number;
  patch?: string;
}
export interface FakePull {
  number: number;
  title: string;
  body?: string;
  head: { ref: string; sha: string };
  base: { ref: string; sha: string };
  files: FakeFile[];
}
export interface FakeReview {
  id: number;
  body: string;
  event: string;
  commit_id: string;
  comments: { path: string; line: number; side?: string; start_line?: number; start_side?: string; body: string }[];
}
export interface FakeComment {
  id: number;
  issue: number;
  body: string;
}
export interface FakeIssue {
  id: number;
  number: number;
  title: string;
  body: string;
  labels: string[];
}
export interface FakeCheckRun {
  id: number;
  name: string;
  head_sha: string;
  external_id: string;
  status: string;
  conclusion: string | null;
  output: unknown;
}
export interface FakeRelease {
  id: number;
  tag_name: string;
  name: string;
  body: string;
  target_commitish: string;
  draft: boolean;
  prerelease: boolean;
}
export interface FakeSarifUpload {
  id: string;
  commit_sha: string;
  ref: string;
  tool_name?: string;
  /** The log as GitHub decoded it (base64 → gunzip → JSON). */
  sarif: {
    version?: string;
    runs?: {
      tool?: { driver?: { name?: string; version?: string } };
      automationDetails?: { id?: string };
      results?: unknown[];
    }[];
  };
  /** The `sarif` field exactly as posted. */
  encoded: string;
  createdAt: string;
  /** When processing is done (uploads stay `pending` until then). */
  processedAt: number;
}
export interface FakeRepo {
  pulls: Map<number, FakePull>;
  /** `${ref}:${path}` → content. */
  contents: Map<string, string>;
  reviews: Map<number, FakeReview[]>;
  comments: FakeComment[];
  issues: FakeIssue[];
  checkRuns: FakeCheckRun[];
  releases: FakeRelease[];
  /** Whether the token may create check runs (a personal access token may not). */
  checksAllowed: boolean;
  /** Code scanning uploads, oldest first. */
  sarifUploads: FakeSarifUpload[];
  /** Whether code scanning takes uploads (off: 403, as without GitHub Advanced Security). */
  codeScanning: boolean;
  /** How long an upload stays `pending` (and unlisted as an analysis). */
  sarifProcessingMs: number;
  /** A git repository (its .git folder, or a bare one) served at /<owner>/<name>.git. */
  gitDir?: string;
}

/** A fault for the next matching request(s). */
export type Fault =
  | { kind: 'secondaryRateLimit'; retryAfterSeconds: number }
  | { kind: 'primaryRateLimit'; resetInSeconds: number }
  | { kind: 'tooManyRequests'; retryAfterSeconds: number }
  | { kind: 'status'; status: number; message?: string }
  /** The request is carried out (a post is stored), then the connection is destroyed before any response. */
  | { kind: 'dieAfterHandling' }
  /** The request is carried out (a post is stored), then the response waits this long (a worker can die meanwhile). */
  | { kind: 'delayAfterHandling'; delayMs: number };
export type ScriptedFault = Fault & {
  /** Only requests with this method (default: any). */
  method?: string;
  /** Only requests whose path (after /api/v3, query string included) matches (default: any). */
  path?: RegExp;
  /** How many matching requests it affects (default 1). */
  times?: number;
};

export interface FakeGithub {
  /** What to set GITHUB_API_URL to (ends in /api/v3). */
  url: string;
  requests: RecordedRequest[];
  /** Requests to the API, without the prefix, e.g. `POST /repos/o/r/issues`. */
  calls(): string[];
  addRepo(
    fullName: string,
    opts?: { checksAllowed?: boolean; codeScanning?: boolean; sarifProcessingMs?: number; gitDir?: string },
  ): FakeRepo;
  repo(fullName: string): FakeRepo;
  fault(...faults: ScriptedFault[]): void;
  close(): Promise<void>;
}

interface Answer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** New-file line numbers a patch shows (added and context lines): where GitHub accepts RIGHT-side comments. */
export function rightSideLines(patch: string): Set<number> {
  const lines = new Set<number>();
  let n = 0;
  for (const l of patch.split('\n')) {
    const h = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(l);
    if (h) n = Number(h[1]);
    else if (n > 0 && (l.startsWith('+') || l.startsWith(' '))) lines.add(n++);
  }
  return lines;
}

/** `token`: when set, requests must carry a token equal to (or matching) it, or get 401 Bad credentials. */
export async function startFakeGithub(opts: { token?: string | RegExp } = {}): Promise<FakeGithub> {
  const repos = new Map<string, FakeRepo>();
  const faults: ScriptedFault[] = [];
  let nextId = 1000;
  let remaining = 5000;
  const reset = Math.floor(Date.now() / 1000) + 3600;
  let origin = '';

  const html = (repo: string, rest: string) => `https://github.example.test/${repo}/${rest}`;
  const notFound = (): Answer => ({ status: 404, body: { message: 'Not Found', documentation_url: DOCS } });

  /** One page of `items`, with GitHub's Link header. */
  function page<T>(items: T[], url: URL): Answer {
    const perPage = Math.min(100, Number(url.searchParams.get('per_page') ?? 30));
    const current = Math.max(1, Number(url.searchParams.get('page') ?? 1));
    const last = Math.max(1, Math.ceil(items.length / perPage));
    const link = (p: number, rel: string) => {
      const u = new URL(url.toString());
      u.searchParams.set('page', String(p));
      u.searchParams.set('per_page', String(perPage));
      return `<${origin}${PREFIX}${u.pathname}${u.search}>; rel="${rel}"`;
    };
    const links = [];
    if (current < last) links.push(link(current + 1, 'next'), link(last, 'last'));
    if (current > 1) links.push(link(1, 'first'), link(current - 1, 'prev'));
    return {
      status: 200,
      body: items.slice((current - 1) * perPage, current * perPage),
      headers: links.length > 0 ? { link: links.join(', ') } : {},
    };
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  function route(method: string, url: URL, body: any): Answer {
    const m = /^\/repos\/([^/]+)\/([^/]+)(\/.*)?$/.exec(url.pathname);
    if (!m) return notFound();
    const name = `${m[1]}/${m[2]}`;
    const repo = repos.get(name);
    if (!repo) return notFound();
    const rest = m[3] ?? '';
    let r: RegExpExecArray | null;

    if ((r = /^\/pulls\/(\d+)$/.exec(rest)) && method === 'GET') {
      const pr = repo.pulls.get(Number(r[1]));
      if (!pr) return notFound();
      return {
        status: 200,
        body: {
          number: pr.number,
          title: pr.title,
          body: pr.body ?? null,
          state: 'open',
          draft: false,
          user: { login: 'octocat' },
          html_url: html(name, `pull/${pr.number}`),
          head: { ref: pr.head.ref, sha: pr.head.sha },
          base: { ref: pr.base.ref, sha: pr.base.sha },
        },
      };
    }
    if ((r = /^\/pulls\/(\d+)\/files$/.exec(rest)) && method === 'GET') {
      const pr = repo.pulls.get(Number(r[1]));
      if (!pr) return notFound();
      const files = pr.files.map((f) => ({
        filename: f.filename,
        status: f.status ?? 'modified',
        additions: f.additions ?? 0,
        deletions: f.deletions ?? 0,
        changes: (f.additions ?? 0) + (f.deletions ?? 0),
        ...(f.patch === undefined ? {} : { patch: f.patch }),
      }));
      return page(files, url);
    }
    if ((r = /^\/contents\/(.+)$/.exec(rest)) && method === 'GET') {
      const path = decodeURIComponent(r[1]);
      const ref = url.searchParams.get('ref') ?? 'main';
      const content = repo.contents.get(`${ref}:${path}`);
      if (content === undefined) return notFound();
      return {
        status: 200,
        body: {
          type: 'file',
          encoding: 'base64',
          path,
          name: path.split('/').pop(),
          sha: `blob-${Buffer.from(content).length}`,
          size: Buffer.byteLength(content),
          content: Buffer.from(content)
            .toString('base64')
            .replace(/(.{60})/g, '$1\n'),
        },
      };
    }
    if ((r = /^\/pulls\/(\d+)\/reviews$/.exec(rest))) {
      const pr = repo.pulls.get(Number(r[1]));
      if (!pr) return notFound();
      const list = repo.reviews.get(pr.number) ?? [];
      const shape = (rv: FakeReview) => ({
        id: rv.id,
        body: rv.body,
        state: rv.event === 'APPROVE' ? 'APPROVED' : rv.event === 'REQUEST_CHANGES' ? 'CHANGES_REQUESTED' : 'COMMENTED',
        commit_id: rv.commit_id,
        html_url: html(name, `pull/${pr.number}#pullrequestreview-${rv.id}`),
      });
      if (method === 'GET') return page(list.map(shape), url);
      if (method === 'POST') {
        const comments = (body?.comments ?? []) as FakeReview['comments'];
        const paths = new Set(pr.files.map((f) => f.filename));
        if (comments.some((c) => !paths.has(c.path))) {
          return {
            status: 422,
            body: {
              message: 'Unprocessable Entity',
              errors: ['Path could not be resolved'],
              documentation_url: DOCS,
            },
          };
        }
        // Like GitHub: a RIGHT-side line comment must be on an added or context line of the file's
        // patch; a multi-line one (start_line) must start before its line, every line in the patch.
        const bad = comments.find((c) => {
          if ((c.side ?? 'RIGHT') !== 'RIGHT') return false;
          const file = pr.files.find((f) => f.filename === c.path);
          const lines = rightSideLines(file?.patch ?? '');
          if (c.start_line === undefined) return !lines.has(c.line);
          if (c.start_line >= c.line) return true;
          for (let n = c.start_line; n <= c.line; n++) if (!lines.has(n)) return true;
          return false;
        });
        if (bad) {
          return {
            status: 422,
            body: {
              message: 'Unprocessable Entity',
              errors: [`Line could not be resolved (${bad.path}:${bad.line})`],
              documentation_url: DOCS,
            },
          };
        }
        const review: FakeReview = {
          id: nextId++,
          body: String(body?.body ?? ''),
          event: String(body?.event ?? 'PENDING'),
          commit_id: String(body?.commit_id ?? pr.head.sha),
          comments,
        };
        repo.reviews.set(pr.number, [...list, review]);
        return { status: 200, body: shape(review) };
      }
    }
    if ((r = /^\/issues\/(\d+)\/comments$/.exec(rest))) {
      const issue = Number(r[1]);
      if (!repo.pulls.has(issue) && !repo.issues.some((i) => i.number === issue)) return notFound();
      const shape = (c: FakeComment) => ({
        id: c.id,
        body: c.body,
        html_url: html(name, `issues/${issue}#issuecomment-${c.id}`),
      });
      if (method === 'GET') return page(repo.comments.filter((c) => c.issue === issue).map(shape), url);
      if (method === 'POST') {
        const comment = { id: nextId++, issue, body: String(body?.body ?? '') };
        repo.comments.push(comment);
        return { status: 201, body: shape(comment) };
      }
    }
    if (rest === '/issues') {
      const shape = (i: FakeIssue) => ({
        id: i.id,
        number: i.number,
        title: i.title,
        body: i.body,
        labels: i.labels.map((l) => ({ name: l })),
        html_url: html(name, `issues/${i.number}`),
      });
      if (method === 'GET') return page([...repo.issues].reverse().map(shape), url);
      if (method === 'POST') {
        if (!body?.title) {
          return {
            status: 422,
            body: {
              message: 'Validation Failed',
              errors: [{ resource: 'Issue', field: 'title', code: 'missing_field' }],
            },
          };
        }
        const numbers = [...repo.pulls.keys(), ...repo.issues.map((i) => i.number), 0];
        const issue: FakeIssue = {
          id: nextId++,
          number: Math.max(...numbers) + 1,
          title: String(body.title),
          body: String(body.body ?? ''),
          labels: (body.labels ?? []) as string[],
        };
        repo.issues.push(issue);
        return { status: 201, body: shape(issue) };
      }
    }
    const shapeRun = (c: FakeCheckRun) => ({
      ...c,
      html_url: html(name, `runs/${c.id}`),
      url: `${origin}${PREFIX}/repos/${name}/check-runs/${c.id}`,
    });
    if ((r = /^\/commits\/([^/]+)\/check-runs$/.exec(rest)) && method === 'GET') {
      const sha = r[1];
      const checkName = url.searchParams.get('check_name');
      const runs = repo.checkRuns.filter((c) => c.head_sha === sha && (!checkName || c.name === checkName));
      const one = page(runs.map(shapeRun), url);
      return { ...one, body: { total_count: runs.length, check_runs: one.body } };
    }
    if (rest === '/check-runs' && method === 'POST') {
      if (!repo.checksAllowed) {
        return {
          status: 403,
          body: { message: 'Resource not accessible by personal access token', documentation_url: DOCS },
        };
      }
      const run: FakeCheckRun = {
        id: nextId++,
        name: String(body?.name),
        head_sha: String(body?.head_sha),
        external_id: String(body?.external_id ?? ''),
        status: String(body?.status ?? 'queued'),
        conclusion: body?.conclusion ?? null,
        output: body?.output ?? null,
      };
      repo.checkRuns.push(run);
      return { status: 201, body: shapeRun(run) };
    }
    if (rest === '/code-scanning/sarifs' && method === 'POST') {
      if (!repo.codeScanning) {
        return {
          status: 403,
          body: {
            message: 'Advanced Security must be enabled for this repository to use code scanning.',
            documentation_url: DOCS,
          },
        };
      }
      const invalid = (message: string): Answer => ({ status: 422, body: { message, documentation_url: DOCS } });
      if (!/^[0-9a-f]{40}$/.test(String(body?.commit_sha ?? ''))) return invalid('Invalid commit_sha');
      if (!/^refs\/(heads|tags|pull)\/\S+$/.test(String(body?.ref ?? ''))) return invalid('Invalid ref');
      let sarif: FakeSarifUpload['sarif'];
      try {
        sarif = JSON.parse(gunzipSync(Buffer.from(String(body?.sarif ?? ''), 'base64')).toString('utf8'));
      } catch {
        return {
          status: 400,
          body: {
            message: 'Invalid SARIF: the sarif field must be gzip-compressed and base64-encoded JSON',
            documentation_url: DOCS,
          },
        };
      }
      if (sarif.version !== '2.1.0' || !Array.isArray(sarif.runs))
        return invalid('Invalid SARIF: version must be 2.1.0');
      const upload: FakeSarifUpload = {
        id: randomUUID(),
        commit_sha: String(body.commit_sha),
        ref: String(body.ref),
        ...(body.tool_name ? { tool_name: String(body.tool_name) } : {}),
        sarif,
        encoded: String(body.sarif),
        createdAt: new Date().toISOString(),
        processedAt: Date.now() + repo.sarifProcessingMs,
      };
      repo.sarifUploads.push(upload);
      return {
        status: 202,
        body: { id: upload.id, url: `${origin}${PREFIX}/repos/${name}/code-scanning/sarifs/${upload.id}` },
      };
    }
    if ((r = /^\/code-scanning\/sarifs\/([^/]+)$/.exec(rest)) && method === 'GET') {
      const upload = repo.sarifUploads.find((u) => u.id === r?.[1]);
      if (!upload) return notFound();
      const done = Date.now() >= upload.processedAt;
      return {
        status: 200,
        body: {
          processing_status: done ? 'complete' : 'pending',
          analyses_url: done ? `${origin}${PREFIX}/repos/${name}/code-scanning/analyses?sarif_id=${upload.id}` : null,
          errors: null,
        },
      };
    }
    if (rest === '/code-scanning/analyses' && method === 'GET') {
      const q = (k: string) => url.searchParams.get(k);
      const analyses = repo.sarifUploads
        .map((u, i) => ({ u, i }))
        .filter(({ u }) => Date.now() >= u.processedAt)
        .flatMap(({ u, i }) =>
          (u.sarif.runs ?? []).map((run) => {
            const auto = run.automationDetails?.id ?? '';
            return {
              id: 1 + i,
              ref: u.ref,
              commit_sha: u.commit_sha,
              analysis_key: '(default)',
              environment: '{}',
              // The automation id up to its last slash, as GitHub reads it.
              category: auto.includes('/') ? auto.slice(0, auto.lastIndexOf('/') + 1) : auto,
              error: '',
              created_at: u.createdAt,
              results_count: run.results?.length ?? 0,
              rules_count: 0,
              url: `${origin}${PREFIX}/repos/${name}/code-scanning/analyses/${1 + i}`,
              sarif_id: u.id,
              tool: { name: run.tool?.driver?.name ?? '', version: run.tool?.driver?.version ?? null, guid: null },
              deletable: true,
              warning: '',
            };
          }),
        )
        .filter((a) => (!q('ref') || a.ref === q('ref')) && (!q('tool_name') || a.tool.name === q('tool_name')))
        .filter((a) => !q('sarif_id') || a.sarif_id === q('sarif_id'))
        .reverse();
      return page(analyses, url);
    }
    if (rest === '/releases') {
      const shape = (rl: FakeRelease) => ({ ...rl, html_url: html(name, `releases/tag/${rl.tag_name}`) });
      if (method === 'GET') return page([...repo.releases].reverse().map(shape), url);
      if (method === 'POST') {
        const tag = String(body?.tag_name ?? '');
        if (!tag || repo.releases.some((rl) => rl.tag_name === tag)) {
          const code = tag ? 'already_exists' : 'missing_field';
          return {
            status: 422,
            body: {
              message: 'Validation Failed',
              errors: [{ resource: 'Release', code, field: 'tag_name' }],
              documentation_url: DOCS,
            },
          };
        }
        const release: FakeRelease = {
          id: nextId++,
          tag_name: tag,
          name: String(body?.name ?? tag),
          body: String(body?.body ?? ''),
          target_commitish: String(body?.target_commitish ?? 'main'),
          draft: Boolean(body?.draft),
          prerelease: Boolean(body?.prerelease),
        };
        repo.releases.push(release);
        return { status: 201, body: shape(release) };
      }
    }
    return notFound();
  }

  function takeFault(method: string, path: string): ScriptedFault | undefined {
    const i = faults.findIndex((f) => (!f.method || f.method === method) && (!f.path || f.path.test(path)));
    if (i < 0) return undefined;
    const f = faults[i];
    f.times = (f.times ?? 1) - 1;
    if (f.times <= 0) faults.splice(i, 1);
    return f;
  }

  function faultAnswer(f: Fault): Answer | undefined {
    const now = Math.floor(Date.now() / 1000);
    switch (f.kind) {
      case 'secondaryRateLimit':
        return {
          status: 403,
          headers: { 'retry-after': String(f.retryAfterSeconds) },
          body: {
            message:
              'You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID.',
            documentation_url: DOCS,
          },
        };
      case 'primaryRateLimit':
        return {
          status: 403,
          headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(now + f.resetInSeconds) },
          body: { message: 'API rate limit exceeded for user ID 1.', documentation_url: DOCS },
        };
      case 'tooManyRequests':
        return {
          status: 429,
          headers: { 'retry-after': String(f.retryAfterSeconds) },
          body: { message: 'Too many requests', documentation_url: DOCS },
        };
      case 'status':
        return {
          status: f.status,
          body: {
            message: f.message ?? (f.status === 401 ? 'Bad credentials' : 'Server Error'),
            documentation_url: DOCS,
          },
        };
      case 'dieAfterHandling':
      case 'delayAfterHandling':
        return undefined;
    }
  }

  function send(res: http.ServerResponse, a: Answer): void {
    remaining = Math.max(0, remaining - 1);
    sendJson(res, a.status, a.body, {
      'x-ratelimit-limit': '5000',
      'x-ratelimit-remaining': String(remaining),
      'x-ratelimit-reset': String(reset),
      'x-ratelimit-used': String(5000 - remaining),
      'x-ratelimit-resource': 'core',
      'x-github-api-version-selected': '2022-11-28',
      ...a.headers,
    });
  }

  /** Whether a request carries the token (Bearer, `token`, or git's Basic with the token as password). */
  function authorized(headers: http.IncomingHttpHeaders): boolean {
    if (opts.token === undefined) return true;
    const basic = /^Basic\s+(.+)$/i.exec(headers.authorization ?? '')?.[1];
    const token =
      bearerToken(headers) ??
      /^token\s+(.+)$/i.exec(headers.authorization ?? '')?.[1] ??
      (basic ? Buffer.from(basic, 'base64').toString('utf8').split(':').slice(1).join(':') : undefined);
    return typeof opts.token === 'string' ? token === opts.token : token !== undefined && opts.token.test(token);
  }

  /** git's smart HTTP protocol (fetch only), answered by `git http-backend` as a CGI program. */
  async function serveGit(name: string, service: string, call: IncomingCall): Promise<void> {
    const { req, res, method, rawBody } = call;
    const gitDir = repos.get(name)?.gitDir;
    if (!gitDir) return sendRaw(res, 404, 'Repository not found.\n', { 'content-type': 'text/plain' });
    if (!authorized(req.headers)) {
      return sendRaw(res, 401, 'Authentication failed\n', {
        'content-type': 'text/plain',
        'www-authenticate': 'Basic realm="GitHub"',
      });
    }
    const query = new URL(req.url ?? '/', 'http://fake').search.slice(1);
    const child = spawn('git', ['http-backend'], {
      env: {
        PATH: '/usr/local/bin:/usr/bin:/bin',
        GIT_PROJECT_ROOT: path.dirname(gitDir),
        GIT_HTTP_EXPORT_ALL: '1',
        PATH_INFO: `/${path.basename(gitDir)}/${service}`,
        REQUEST_METHOD: method,
        QUERY_STRING: query,
        CONTENT_TYPE: req.headers['content-type'] ?? '',
        CONTENT_LENGTH: String(rawBody.length),
        REMOTE_ADDR: '127.0.0.1',
        ...(req.headers['content-encoding'] ? { HTTP_CONTENT_ENCODING: String(req.headers['content-encoding']) } : {}),
        ...(req.headers['git-protocol'] ? { GIT_PROTOCOL: String(req.headers['git-protocol']) } : {}),
      },
    });
    const out: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', () => undefined);
    // git http-backend may answer and exit before reading all of the body (EPIPE): its answer counts.
    child.stdin.on('error', () => undefined);
    child.stdin.end(rawBody);
    await new Promise((resolve) => child.on('close', resolve));
    const all = Buffer.concat(out);
    const split = all.indexOf('\r\n\r\n');
    const head = all.subarray(0, split).toString('utf8').split('\r\n');
    const headers: Record<string, string> = {};
    let status = 200;
    for (const line of head) {
      const [k, ...v] = line.split(':');
      if (k.toLowerCase() === 'status') status = Number.parseInt(v.join(':').trim(), 10);
      else if (k) headers[k.toLowerCase()] = v.join(':').trim();
    }
    const payload = all.subarray(split + 4);
    res.writeHead(status, { ...headers, 'content-length': String(payload.length) });
    res.end(payload);
  }

  const server = await startHttpFake(async (call: IncomingCall) => {
    const { req, res, method, body } = call;
    const url = new URL(req.url ?? '/', 'http://fake');
    const gitPath = /^\/([^/]+)\/([^/]+?)\.git\/(info\/refs|git-upload-pack)$/.exec(url.pathname);
    if (gitPath) return serveGit(`${gitPath[1]}/${gitPath[2]}`, gitPath[3], call);
    if (!url.pathname.startsWith(`${PREFIX}/`)) return send(res, notFound());
    const apiUrl = new URL(url.pathname.slice(PREFIX.length) + url.search, 'http://fake');
    const fault = takeFault(method, apiUrl.pathname + apiUrl.search);
    if (fault && fault.kind !== 'dieAfterHandling' && fault.kind !== 'delayAfterHandling') {
      return send(res, faultAnswer(fault) as Answer);
    }
    if (!authorized(req.headers)) {
      return send(res, { status: 401, body: { message: 'Bad credentials', documentation_url: DOCS } });
    }
    const answer = route(method, apiUrl, body);
    if (fault?.kind === 'dieAfterHandling') return cutConnection(res);
    if (fault?.kind === 'delayAfterHandling') await new Promise((r) => setTimeout(r, fault.delayMs));
    send(res, answer);
  });
  origin = server.origin;

  return {
    url: `${server.origin}${PREFIX}`,
    requests: server.requests,
    calls: () => server.requests.map((r) => `${r.method} ${r.path.slice(PREFIX.length).split('?')[0]}`),
    addRepo(fullName, o = {}) {
      const repo: FakeRepo = {
        pulls: new Map(),
        contents: new Map(),
        reviews: new Map(),
        comments: [],
        issues: [],
        checkRuns: [],
        releases: [],
        checksAllowed: o.checksAllowed ?? true,
        sarifUploads: [],
        codeScanning: o.codeScanning ?? true,
        sarifProcessingMs: o.sarifProcessingMs ?? 0,
        ...(o.gitDir ? { gitDir: o.gitDir } : {}),
      };
      repos.set(fullName, repo);
      return repo;
    },
    repo(fullName) {
      const repo = repos.get(fullName);
      if (!repo) throw new Error(`fake GitHub has no repository ${fullName}`);
      return repo;
    },
    fault(...f) {
      faults.push(...f.map((x) => ({ ...x })));
    },
    close: () => server.close(),
  };
}
