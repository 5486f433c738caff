// Load and faults at the scale of a team, bounded in count and time. `TEMPORAL_SERVER=cluster npm
// start -- --workers 2 --apis 2`: the real Temporal Server persisting to the stack's PostgreSQL, two
// worker processes and two API copies. 50 sessions × 3 messages run at once, spread over both
// APIs, each session's live stream read through the *other* copy; some sessions run a custom
// workflow that comments on a GitHub issue. Meanwhile a worker is killed with SIGKILL (the stack
// restarts it), PostgreSQL is restarted (fast shutdown; Temporal's store goes down with it), and the
// model provider answers 429 or 500 to 30 % of calls (every 10 calls: the 3rd, 6th and 9th).
// Clients behave as the API asks: a 503 is retried after its Retry-After (capped at 2 s), with the
// same Idempotency-Key. Afterwards: every message has exactly one reply, one successful model call
// is recorded per reply (the session totals are its usage), no live event is missing or duplicated,
// no GitHub post is made twice, and the API answered 503 (never 500) while PostgreSQL was down. The
// figures are printed.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import pg from 'pg';
import type { LiveEvent } from '../../lib/live';
import { clusterUnavailableReason, findTemporalCluster } from '../../stack/temporal-cluster';
import { startFakeAnthropic } from '../fakes/anthropic';
import { startFakeGithub, type FakeGithub } from '../fakes/github';
import type { FakeServer } from '../fakes/http-fake';
import { harness } from '../helpers/stack';
import { startTeamStack, type TeamStack } from '../helpers/team-stack';

const root = path.join(__dirname, '..', '..');
// Part of npm test; skipped (with the reason) only where the Temporal Server cannot be built.
const unavailable = clusterUnavailableReason(root);

const SESSIONS = 50;
const MESSAGES = 3;
/** Sessions i with i % POST_EVERY === 0 run the GitHub-commenting workflow after their 2nd reply. */
const POST_EVERY = 5;
const API = '/api/claude-flow';
const REPO = 'team/app';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Every answer the load got, by status ("net" for no answer), and when. */
interface Answer {
  at: number;
  status: number | 'net';
  what: string;
  detail?: string;
}
const answers: Answer[] = [];

async function call(
  url: string,
  what: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<{ status: number | 'net'; body: unknown; retryAfter?: number }> {
  try {
    const res = await fetch(url, {
      method: init.method ?? 'GET',
      headers: { 'content-type': 'application/json', ...init.headers },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      signal: AbortSignal.timeout(init.timeoutMs ?? 120_000),
    });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON: kept as text
    }
    const detail = res.status >= 500 ? String((body as { detail?: string })?.detail ?? text).slice(0, 300) : undefined;
    answers.push({ at: Date.now(), status: res.status, what, detail });
    return { status: res.status, body, retryAfter: Number(res.headers.get('retry-after') ?? 0) };
  } catch (err) {
    answers.push({ at: Date.now(), status: 'net', what, detail: (err as Error).message });
    return { status: 'net', body: undefined };
  }
}

/** A request retried on 5xx and on no answer, as the API's 503 asks, until it gets a 4xx or 2xx. */
async function send(
  url: string,
  what: string,
  init: Parameters<typeof call>[2],
): Promise<{ status: number; body: unknown }> {
  const deadline = Date.now() + 300_000;
  for (;;) {
    const r = await call(url, what, init);
    if (r.status !== 'net' && r.status < 500) return { status: r.status, body: r.body };
    if (Date.now() > deadline) throw new Error(`${what}: still failing after 5 minutes (last: ${r.status})`);
    await sleep(Math.min(2_000, (r.retryAfter || 1) * 1000));
  }
}

/** A live stream over SSE that reconnects with the last id it got, as EventSource does. */
function liveStream(base: string, channel: string) {
  const events: LiveEvent[] = [];
  let closed = false;
  let reconnects = 0;
  let req: http.ClientRequest | undefined;
  const connect = () => {
    if (closed) return;
    const last = events.at(-1)?.id ?? '0';
    req = http.get(`${base}${API}/live/sse?channels=${encodeURIComponent(channel)}&lastEventId=${last}`, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        res.once('end', again);
        return;
      }
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        buf += d;
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const data = block.split('\n').find((l) => l.startsWith('data: '));
          if (data) events.push(JSON.parse(data.slice(6)) as LiveEvent);
        }
      });
      res.once('close', again);
    });
    req.once('error', again);
  };
  let pending: NodeJS.Timeout | undefined;
  function again() {
    if (closed || pending) return;
    reconnects++;
    pending = setTimeout(() => {
      pending = undefined;
      connect();
    }, 300);
  }
  connect();
  return {
    events,
    reconnects: () => reconnects,
    close() {
      closed = true;
      clearTimeout(pending);
      req?.destroy();
    },
  };
}

const tagOf = (i: number, j: number) => `s${i}m${j}`;
const replyFor = (tag: string) => `ack ${tag}: noted, and here is a reply long enough to stream in pieces.`;

/** The tag `[s<i>m<j>]` of the last user message in a Messages API request. */
function lastTag(body: { messages?: { role: string; content: unknown }[] }): string | undefined {
  const user = [...(body.messages ?? [])].reverse().find((m) => m.role === 'user');
  const text = typeof user?.content === 'string' ? user.content : JSON.stringify(user?.content ?? '');
  return /\[(s\d+m\d+)\]/.exec(text)?.[1];
}

if (unavailable) {
  test.skip(`team load skipped: ${unavailable}`, () => undefined);
} else {
  let anthropic: FakeServer;
  let gh: FakeGithub;
  let stack: TeamStack | undefined;
  const provider = { calls: 0, answered: 0, refused: { 429: 0, 500: 0 } as Record<number, number> };

  beforeAll(async () => {
    // The first run builds the server (minutes); later runs reuse the build in .tools/.
    await findTemporalCluster({ root, log: (l) => process.stdout.write(`[temporal-cluster] ${l}\n`) });
    anthropic = await startFakeAnthropic({ apiKey: 'k' });
    anthropic.respond = (body) => {
      const n = ++provider.calls;
      if (n % 10 === 3 || n % 10 === 9) {
        provider.refused[429]++;
        return { status: 429, headers: { 'retry-after-ms': '200' } };
      }
      if (n % 10 === 6) {
        provider.refused[500]++;
        return { status: 500 };
      }
      provider.answered++;
      const tag = lastTag(body);
      return { reply: tag ? replyFor(tag) : 'ok', chunkDelayMs: 5 };
    };
    gh = await startFakeGithub({ token: /^ghp_/ });
    gh.addRepo(REPO).issues.push({ id: 1, number: 1, title: 'Team notes', body: '', labels: [] });
    const dataDir = fs.mkdtempSync(path.join(harness().tmpDir, 'team-load-'));
    fs.chmodSync(dataDir, 0o755); // PostgreSQL's unprivileged OS user must reach it
    const workspace = path.join(dataDir, 'workspace');
    fs.mkdirSync(path.join(workspace, '.claude-flow', 'workflows'), { recursive: true });
    fs.writeFileSync(
      path.join(workspace, '.claude-flow', 'workflows', 'team-note.yaml'),
      `inputs:\n  session: {type: string, required: true}\nsteps:\n  - id: note\n` +
        `    github: {action: comment, repo: ${REPO}, issue: 1, body: 'note from \${{ inputs.session }}'}\n`,
    );
    stack = await startTeamStack({
      dataDir,
      workers: 2,
      env: {
        TEMPORAL_TASK_QUEUE: 'team-load',
        CLAUDE_FLOW_WORKSPACE: workspace,
        ANTHROPIC_API_KEY: 'k',
        ANTHROPIC_BASE_URL: anthropic.url,
        ANTHROPIC_MODEL: 'claude-haiku-4-5',
        GITHUB_TOKEN: 'ghp_teamload',
        GITHUB_API_URL: gh.url,
        // One test client stands for a team: no per-address limit.
        CLAUDE_FLOW_RATE_LIMIT_PER_IP: '0',
        CLAUDE_FLOW_RATE_LIMIT_PER_KEY: '0',
      },
    });
  }, 2_700_000);

  afterAll(async () => {
    if (stack) {
      const code = await stack.stop(30_000);
      // The stack's logs outlive the run's temporary folder, beside the test logs.
      const keep = path.join(root, '.data', 'test-logs', 'team-load');
      fs.rmSync(keep, { recursive: true, force: true });
      fs.cpSync(path.join(stack.dataDir, 'logs'), keep, { recursive: true });
      if (code !== 0)
        process.stdout.write(`[team-load] the stack exited with ${code}:\n${stack.output().slice(-3000)}\n`);
    }
    await gh?.close();
    await anthropic?.close();
  });

  test(`${SESSIONS} sessions × ${MESSAGES} messages over two APIs and two workers, through a worker SIGKILL, a PostgreSQL restart and a flaky provider`, async () => {
    const s = stack as TeamStack;
    const t0 = Date.now();
    const replies = new Map<string, string>(); // tag → reply
    const replyNos = new Map<string, number>();
    const posts = new Map<string, string>(); // session → run id
    const streams: ReturnType<typeof liveStream>[] = [];
    const sessionIds: string[] = [];
    /** Requests answered with a 4xx: each one a message without its reply (or a run not started). */
    const refused: string[] = [];
    const runId = Date.now().toString(36);

    const runSession = async (i: number) => {
      const api = s.apis[i % 2];
      const other = s.apis[(i + 1) % 2];
      const sessionId = `team-${runId}-${i}`;
      sessionIds.push(sessionId);
      const created = await send(`${api}${API}/sessions`, 'create', {
        method: 'POST',
        body: { sessionId, title: `team ${i}`, owner: 'team-load' },
      });
      // 409: an earlier try started it.
      if (created.status !== 201 && created.status !== 409) throw new Error(`create: ${JSON.stringify(created)}`);
      streams[i] = liveStream(other, `session:${sessionId}`);
      for (let j = 1; j <= MESSAGES; j++) {
        const tag = tagOf(i, j);
        const r = await send(`${api}${API}/sessions/${sessionId}/messages`, 'message', {
          method: 'POST',
          body: { text: `[${tag}] question ${j}` },
          headers: { 'idempotency-key': tag },
        });
        if (r.status !== 200) {
          refused.push(`${tag}: HTTP ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
          continue;
        }
        const body = r.body as { reply: string; replyMessageNo: number };
        replies.set(tag, body.reply);
        replyNos.set(tag, body.replyMessageNo);
        if (j === 2 && i % POST_EVERY === 0) {
          const run = await send(`${api}${API}/sessions/${sessionId}/workflows`, 'run', {
            method: 'POST',
            body: { type: 'custom', input: { name: 'team-note', inputs: { session: sessionId } } },
            headers: { 'idempotency-key': `${tag}-note` },
          });
          if (run.status !== 201) {
            refused.push(`${tag} run: HTTP ${run.status} ${JSON.stringify(run.body).slice(0, 300)}`);
            continue;
          }
          posts.set(sessionId, (run.body as { workflowId: string }).workflowId);
        }
      }
    };

    // The faults, while the load runs: a worker SIGKILLed once a fifth of the replies are in,
    // PostgreSQL restarted once half are.
    const total = SESSIONS * MESSAGES;
    const faults = { workerKilledAt: 0, workerBackAfterMs: 0, pgDownAt: 0, pgBackAt: 0, pgOutage: [] as Answer[] };
    const until = async (cond: () => boolean, what: string, timeoutMs = 300_000) => {
      const deadline = Date.now() + timeoutMs;
      while (!cond()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await sleep(50);
      }
    };
    const injectFaults = async () => {
      await until(() => replies.size >= total / 5, 'a fifth of the replies');
      const [workerPid] = s.workerCopyPids();
      let mark = s.output().length;
      faults.workerKilledAt = Date.now();
      process.kill(workerPid, 'SIGKILL');
      await s.waitFor(/worker-2 was killed \(SIGKILL\); restarting/, 30_000, mark);
      await s.waitFor(/worker-2 is running again/, 120_000, mark);
      faults.workerBackAfterMs = Date.now() - faults.workerKilledAt;

      await until(() => replies.size >= total / 2, 'half of the replies');
      mark = s.output().length;
      const postmaster = s.postgresPid();
      // While it is down, both APIs are asked for what needs PostgreSQL (the sessions list) and
      // what needs Temporal, whose store it is (a session's state).
      let probing = true;
      // A pair every 100 ms, not waiting for the last: a request that waits out the outage must
      // not keep the others from asking while PostgreSQL is down.
      const probe = (async () => {
        const asked: Promise<unknown>[] = [];
        for (let k = 0; probing; k++) {
          const api = s.apis[k % 2];
          asked.push(
            call(`${api}${API}/sessions?limit=5`, 'probe-list', { timeoutMs: 10_000 }),
            call(`${api}${API}/sessions/${sessionIds[k % sessionIds.length]}`, 'probe-state', { timeoutMs: 10_000 }),
          );
          await sleep(100);
        }
        await Promise.all(asked);
      })();
      faults.pgDownAt = Date.now();
      process.kill(postmaster, 'SIGINT'); // fast shutdown: what `pg_ctl restart` does
      await s.waitFor(/PostgreSQL exited \(code 0\); restarting/, 60_000, mark);
      await s.waitFor('PostgreSQL is running again', 120_000, mark);
      faults.pgBackAt = Date.now();
      probing = false;
      await probe;
      faults.pgOutage = answers.filter((a) => a.at >= faults.pgDownAt && a.at <= faults.pgBackAt);
    };

    const fault = injectFaults();
    fault.catch(() => undefined); // awaited below, after the load
    await Promise.all([...Array(SESSIONS).keys()].map(runSession));
    const loadMs = Date.now() - t0;
    await fault;

    // The GitHub runs finish; each posted once.
    const runsFailed: string[] = [];
    for (const [sessionId, workflowId] of posts) {
      const deadline = Date.now() + 180_000;
      for (;;) {
        const r = await call(`${s.apis[0]}${API}/workflows/${encodeURIComponent(workflowId)}`, 'run-status');
        const status = (r.body as { status?: string })?.status;
        if (r.status === 200 && status !== 'running') {
          if (status !== 'completed') runsFailed.push(`${sessionId}: ${JSON.stringify(r.body).slice(0, 600)}`);
          break;
        }
        if (Date.now() > deadline) throw new Error(`run ${workflowId} still ${status ?? r.status}`);
        await sleep(500);
      }
    }
    const comments = gh.repo(REPO).comments.map((c) => c.body.split('\n')[0]);

    // Every message: one reply, its own, in order.
    const db = new pg.Client({ connectionString: s.databaseUrl });
    await db.connect();
    try {
      const msgs = await db.query<{ session_id: string; no: number; role: string; content: string }>(
        `SELECT session_id, no, role, content FROM session_message WHERE session_id = ANY($1) AND active ORDER BY session_id, no`,
        [sessionIds],
      );
      const calls = await db.query<{ session_id: string; outcome: string; n: number; input: number; output: number }>(
        `SELECT session_id, outcome, count(*)::int AS n, sum(input_tokens)::int AS input, sum(output_tokens)::int AS output
           FROM ai_call WHERE session_id = ANY($1) GROUP BY session_id, outcome`,
        [sessionIds],
      );
      const rows = await db.query<{ id: string; message_count: number; input_tokens: number; output_tokens: number }>(
        'SELECT id, message_count, input_tokens, output_tokens FROM session WHERE id = ANY($1)',
        [sessionIds],
      );
      const stored = await db.query<{ id: string; channel: string }>(
        `SELECT id::text, channel FROM live_event WHERE channel = ANY($1) ORDER BY id`,
        [sessionIds.map((id) => `session:${id}`)],
      );

      const bySession = new Map<string, { role: string; content: string }[]>();
      for (const m of msgs.rows) bySession.set(m.session_id, [...(bySession.get(m.session_id) ?? []), m]);
      const conversationProblems: string[] = [];
      sessionIds.forEach((id, i) => {
        const want = [...Array(MESSAGES).keys()].flatMap((j) => {
          const tag = tagOf(i, j + 1);
          return [
            { role: 'user', content: `[${tag}] question ${j + 1}` },
            { role: 'assistant', content: replyFor(tag) },
          ];
        });
        const got = (bySession.get(id) ?? []).map((m) => ({ role: m.role, content: m.content }));
        if (JSON.stringify(got) !== JSON.stringify(want)) conversationProblems.push(`${id}: ${JSON.stringify(got)}`);
      });
      const repliesOk = [...replies].filter(([tag, reply]) => reply === replyFor(tag)).length;

      // Usage: one successful call per reply, and the session's totals are those calls' tokens.
      const success = calls.rows.filter((c) => c.outcome === 'success');
      const usageProblems = rows.rows.flatMap((r) => {
        const c = success.find((x) => x.session_id === r.id);
        return c?.n === MESSAGES &&
          c.input === r.input_tokens &&
          c.output === r.output_tokens &&
          r.message_count === 2 * MESSAGES
          ? []
          : [`${r.id}: ${JSON.stringify({ row: r, calls: c })}`];
      });
      const failedCalls = calls.rows.filter((c) => c.outcome !== 'success').reduce((n, c) => n + c.n, 0);

      // Live events: each stream got every event of its channel exactly once.
      const storedBy = new Map<string, string[]>();
      for (const e of stored.rows) storedBy.set(e.channel, [...(storedBy.get(e.channel) ?? []), e.id]);
      const liveProblems = async () => {
        const out: { missing: number; duplicated: number; streamed: number; text: string[] } = {
          missing: 0,
          duplicated: 0,
          streamed: 0,
          text: [],
        };
        sessionIds.forEach((id, i) => {
          const got = streams[i].events.map((e) => e.id);
          const want = storedBy.get(`session:${id}`) ?? [];
          const gotSet = new Set(got);
          out.duplicated += got.length - gotSet.size;
          out.missing += want.filter((x) => !gotSet.has(x)).length;
          out.streamed += got.length;
          // The text of every completed model call arrived whole: deltas 0..n-1 once each, spelling the reply.
          const attempts = new Map<string, { deltas: { seq: number; text: string }[]; completed: boolean }>();
          for (const e of streams[i].events) {
            const d = e.data as { callKey?: string; attempt?: number; seq?: number; text?: string };
            if (!e.type.startsWith('ai.') || !d.callKey) continue;
            const k = `${d.callKey}#${d.attempt}`;
            const a = attempts.get(k) ?? { deltas: [], completed: false };
            if (e.type === 'ai.delta') a.deltas.push({ seq: d.seq as number, text: d.text as string });
            if (e.type === 'ai.completed') a.completed = true;
            attempts.set(k, a);
          }
          const texts = new Set<string>();
          for (const [k, a] of attempts) {
            if (!a.completed) continue;
            const seqs = a.deltas.map((x) => x.seq);
            if (seqs.some((x, n) => x !== n)) out.text.push(`${id} ${k}: deltas ${seqs.join(',')}`);
            texts.add(a.deltas.map((x) => x.text).join(''));
          }
          for (let j = 1; j <= MESSAGES; j++) {
            if (!texts.has(replyFor(tagOf(i, j)))) out.text.push(`${id}: no whole streamed text of reply ${j}`);
          }
        });
        return out;
      };
      let live = await liveProblems();
      for (let k = 0; k < 100 && live.missing > 0; k++) {
        await sleep(200); // the last events may still be on their way
        live = await liveProblems();
      }
      for (const st of streams) st.close();

      const count = (list: Answer[]) =>
        list.reduce<Record<string, number>>((m, a) => ((m[String(a.status)] = (m[String(a.status)] ?? 0) + 1), m), {});
      const fiveHundreds = answers.filter((a) => a.status === 500);
      const figures = {
        sessions: SESSIONS,
        messages: total,
        replies: replies.size,
        refused: refused.length,
        repliesMatchingTheirMessage: repliesOk,
        storedMessages: msgs.rowCount,
        conversationsWrong: conversationProblems.length,
        provider: { calls: provider.calls, answered: provider.answered, refused: provider.refused },
        aiCalls: { success: success.reduce((n, c) => n + c.n, 0), failed: failedCalls },
        usageWrong: usageProblems.length,
        live: {
          stored: stored.rowCount,
          streamed: live.streamed,
          missing: live.missing,
          duplicated: live.duplicated,
          textProblems: live.text.length,
          reconnects: streams.reduce((n, st) => n + st.reconnects(), 0),
        },
        github: {
          runs: posts.size,
          failed: runsFailed.length,
          comments: comments.length,
          distinct: new Set(comments).size,
        },
        answers: count(answers),
        whilePostgresDown: count(faults.pgOutage),
        durations: {
          loadSeconds: loadMs / 1000,
          workerBackAfterSeconds: faults.workerBackAfterMs / 1000,
          postgresDownSeconds: (faults.pgBackAt - faults.pgDownAt) / 1000,
        },
      };
      console.log(`team load figures: ${JSON.stringify(figures, null, 2)}`);
      if (runsFailed.length) console.log(`runs failed: ${JSON.stringify(runsFailed, null, 2)}`);
      if (refused.length) console.log(`refused: ${JSON.stringify(refused.slice(0, 10), null, 2)}`);
      if (fiveHundreds.length) console.log(`500s: ${JSON.stringify(fiveHundreds.slice(0, 10), null, 2)}`);

      expect(refused.slice(0, 5)).toEqual([]);
      expect(conversationProblems.slice(0, 5)).toEqual([]);
      expect(replies.size).toBe(total);
      expect(repliesOk).toBe(total);
      expect(usageProblems.slice(0, 5)).toEqual([]);
      expect(live.text.slice(0, 5)).toEqual([]);
      expect({ missing: live.missing, duplicated: live.duplicated }).toEqual({ missing: 0, duplicated: 0 });
      expect(runsFailed).toEqual([]);
      expect(comments.sort()).toEqual([...posts.keys()].map((id) => `note from ${id}`).sort());
      expect(fiveHundreds.map((a) => `${a.what}: ${a.detail}`)).toEqual([]);
      expect(faults.pgOutage.filter((a) => a.status === 503).length).toBeGreaterThan(0);
      expect(s.child.exitCode).toBeNull();
    } finally {
      await db.end();
    }
  }, 900_000);
}
