// The `session` workflow: one per session (id `session-<id>`), alive as long as the session.
// It only orchestrates: message bodies, checkpoints and memory live in Postgres, reached through
// activities; the workflow holds references and counters (claim check), so history stays small.
import {
  ParentClosePolicy,
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  startChild,
  upsertSearchAttributes,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import { CfOwner, CfProject, CfSessionId, CfSessionStatus } from '../contract/search-attributes';
import type { Activities } from '../../activities';
import type { SessionSave } from '../../activities/session';
import { AI_RETRY } from '../ai';
import { CHILD_WORKFLOW_TYPES, childClosedSignal } from '../contract/runs';
import {
  approvalDecidedSignal,
  approvalRequestedSignal,
  checkpointUpdate,
  checkpointsQuery,
  decideUpdate,
  endSignal,
  forkUpdate,
  messagesQuery,
  pauseSignal,
  pendingQuery,
  requestApprovalUpdate,
  resumeSignal,
  rollbackUpdate,
  runWorkflowUpdate,
  sendMessageUpdate,
  stateQuery,
} from '../contract/session-messages';
import { DURATION_HINT, parseDuration } from '../contract/duration';
import { FAILURE_TYPES, failure } from '../contract/failures';
import { SessionState, TurnQueue } from './state';
import {
  SESSION_ID_PATTERN,
  SESSION_ID_RULE,
  SESSION_LIMITS,
  forkNamespaces,
  previewOf,
  sessionWorkflowId,
  stateFromConversation,
  type SessionInput,
} from '../contract/session';

// The turn heartbeats every second from start to end (and the worker sends at most one a
// second: maxHeartbeatThrottleInterval), so a dead worker is noticed within 3 s and the turn
// retried on another (bench/turn-resume); a healthy call keeps 2 s of slack however long it runs.
const turn = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '3 seconds',
  // A turn whose worker died is tried again at once; a provider's errors still back off (and its
  // Retry-After wins). Ten attempts, at most 10 s apart (about 45 s of waiting in all): a turn
  // rides out a flaky provider together with a PostgreSQL restart or a lost worker, where six
  // attempts ran out (test/integration/team-load). A retry policy is not part of replay.
  retry: { ...AI_RETRY, initialInterval: '250 milliseconds', maximumInterval: '10 seconds', maximumAttempts: 10 },
});
// Checkpoints, rollback and fork: bounded, so a store that keeps failing ends the request (after
// about five minutes) instead of holding the session's turn queue forever. A caller's mistake is
// non-retryable at the activity border and fails at once.
const store = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', maximumInterval: '20 seconds', maximumAttempts: 15 },
});
// The sessions table row is derived (rebuildable from the workflows): a failure is logged and the
// row is written again with the next change.
const project = proxyLocalActivities<Activities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '500 milliseconds', maximumInterval: '10 seconds', maximumAttempts: 10 },
});

const invalid = (message: string) => failure(FAILURE_TYPES.InvalidRequest, message);

export async function session(input: SessionInput): Promise<{ status: string; reason?: string; messageCount: number }> {
  // Started by something other than the API (the temporal CLI, a script): the id must still be one
  // that memory and the tables accept, or every activity would refuse it later.
  // Histories from before this check replay without it.
  if (patched('session-id-checked')) {
    if (!SESSION_ID_PATTERN.test(String(input?.sessionId))) {
      throw invalid(`sessionId "${String(input?.sessionId)}" is not a session id: ${SESSION_ID_RULE}`);
    }
    const title: unknown = input.title;
    if (typeof title !== 'string' || !title.trim() || title.length > 200 || title.includes('\u0000')) {
      throw invalid('title must be 1-200 characters of text, without the NUL character (U+0000)');
    }
  }
  const s = new SessionState(input, new Date().toISOString());
  const turns = new TurnQueue();
  let changed = true; // the projection needs writing (turns write their own)
  let indexedStatus: string | undefined; // the CfSessionStatus last upserted
  // Decisions and failed turns to auto-save to memory, written with the next projection (batched).
  let saves: SessionSave[] = [];
  const autosave = input.settings?.memoryAutosave;
  const projectionExtra = () => {
    const extra = { saves, autosave };
    saves = [];
    return extra;
  };
  const saveDecision = (outcome: { requestId: string; outcome: string; decidedBy: string; comment?: string }) => {
    const req = s.lastDecidedRequest(outcome.requestId);
    saves.push({
      kind: 'decision',
      namespace: `decisions/sessions/${input.sessionId}/`,
      key: outcome.requestId,
      value: { title: req?.title, details: req?.details, from: req?.from, ...outcome },
      tags: ['approval', outcome.outcome],
    });
  };

  const requireNotPaused = (what: string) => {
    if (s.data.status === 'paused') {
      throw failure(FAILURE_TYPES.SessionPaused, `the session is paused: resume it before ${what}`);
    }
  };
  const touch = () => {
    s.data.lastActivityAt = new Date().toISOString();
    changed = true;
  };
  const requireOpen = () => {
    if (s.data.status === 'ended' || s.data.status === 'failed') {
      throw failure(
        FAILURE_TYPES.SessionEnded,
        `session ${input.sessionId} has ended (${s.data.statusReason ?? s.data.status}); start a new one or fork it`,
      );
    }
  };
  const saveProjection = async () => {
    await project
      .saveSessionProjection(s.projection(), projectionExtra())
      .catch((err: unknown) => log.warn('the sessions table row was not written', { err: String(err) }));
  };

  // Queries: answered from workflow state only.
  setHandler(stateQuery, () => s.view());
  setHandler(messagesQuery, (range) => s.messages(range?.from, range?.to));
  setHandler(checkpointsQuery, () => s.data.checkpoints);
  setHandler(pendingQuery, () => s.data.pending);

  // Signals.
  setHandler(pauseSignal, (arg) => {
    if (s.data.status === 'active' || s.data.status === 'waiting_approval')
      s.setStatus('paused', arg?.reason ?? 'paused by a user');
    touch();
  });
  setHandler(resumeSignal, () => {
    if (s.data.status === 'paused') s.setStatus(s.data.pending.length ? 'waiting_approval' : 'active');
    touch();
  });
  setHandler(endSignal, (arg) => {
    if (s.data.status !== 'ended') s.setStatus('ended', arg?.reason ?? 'ended by a user');
    touch();
  });
  // A run this session started has closed (sent by the run itself, whichever run of this session is
  // current, so it survives continue-as-new).
  setHandler(childClosedSignal, ({ workflowId, status }) => {
    s.finishChild(workflowId, status, new Date().toISOString());
    touch();
  });
  setHandler(approvalRequestedSignal, (req) => {
    s.addApproval({ ...req, requestedAt: new Date().toISOString() });
    touch();
  });

  // Updates. Validators run before anything is written to history; a rejected update leaves no trace.
  setHandler(
    sendMessageUpdate,
    async (msg) => {
      const result = await turns.run(async () => {
        requireOpen();
        const { userNo, replyNo, position } = s.reserveTurn();
        const projection = s.projection();
        const r = await turn
          .sessionTurn({
            sessionId: input.sessionId,
            userNo,
            replyNo,
            position,
            text: msg.text,
            history: s.activeNos(),
            system: input.settings?.system,
            route: msg.route ?? input.settings?.route,
            maxTokens: msg.maxTokens,
            temperature: msg.temperature,
            stream: msg.stream ?? true,
            namespaces: [...s.namespaces(), ...(input.settings?.sharedNamespaces ?? [])],
            contextTokens: input.settings?.contextTokens ?? 2000,
            historyTokens: input.settings?.historyTokens ?? 32_000,
            projection,
            autosave,
          })
          .catch((err: unknown) => {
            // A failed turn (after its retries) is remembered in errors/ and reported to the caller.
            const cause = (err as { cause?: { message?: string } }).cause?.message;
            saves.push({
              kind: 'error',
              namespace: `errors/sessions/${input.sessionId}/`,
              key: `turn-${String(userNo).padStart(6, '0')}`,
              value: { text: previewOf(msg.text), error: cause ?? String(err), at: new Date().toISOString() },
              tags: ['turn-failed'],
            });
            touch();
            throw err;
          });
        s.recordTurn(userNo, replyNo, position, r);
        // The turn activity already wrote the projection; only the clock moves here.
        s.data.lastActivityAt = r.at;
        // Unless the main loop wrote the row while the turn ran (a signal, a run ending): that
        // snapshot is newer than the turn's, so the row refuses the turn's, and lacks the turn until
        // written again. Histories from before the row's revisions replay without the extra write.
        if (s.data.revision !== projection.revision && patched('session-row-after-turn')) changed = true;
        return {
          reply: r.reply,
          userMessageNo: userNo,
          replyMessageNo: replyNo,
          provider: r.provider,
          model: r.model,
          inputTokens: r.inputTokens,
          outputTokens: r.outputTokens,
          costUsd: r.costUsd,
        };
      });
      return result;
    },
    {
      validator: (msg) => {
        if (typeof msg?.text !== 'string' || msg.text.trim() === '')
          throw invalid('text is required: the message to send');
        if (msg.text.length > SESSION_LIMITS.messageChars) {
          throw failure(
            FAILURE_TYPES.TooLarge,
            `text is ${msg.text.length} characters; the limit is ${SESSION_LIMITS.messageChars}`,
          );
        }
        if (msg.text.includes('\u0000')) throw invalid('text must not contain the NUL character (U+0000)');
        requireNotPaused('sending messages');
        requireOpen();
      },
    },
  );

  setHandler(
    runWorkflowUpdate,
    async (run) => {
      requireOpen();
      const { type } = run;
      const runInput = run.input ?? run.params;
      const workflowId = `${workflowInfo().workflowId}-${type}-${s.nextSeq()}`;
      const child = await startChild(type, {
        workflowId,
        args: runInput === undefined ? [] : [runInput],
        parentClosePolicy: ParentClosePolicy.ABANDON,
        typedSearchAttributes: [{ key: CfSessionId, value: input.sessionId }],
      });
      s.addChild({ workflowId, type, status: 'running', startedAt: new Date().toISOString() });
      touch();
      // Seen here while this run of the session lasts (also a run terminated before it could say
      // so); the run's own childClosed signal reaches later runs too.
      void child.result().then(
        () => s.finishChild(workflowId, 'completed', new Date().toISOString()),
        (err: unknown) =>
          s.finishChild(workflowId, isCancellation(err) ? 'cancelled' : 'failed', new Date().toISOString()),
      );
      return { workflowId };
    },
    {
      validator: (run) => {
        if (!(CHILD_WORKFLOW_TYPES as readonly string[]).includes(run?.type)) {
          throw invalid(`unknown workflow type "${run?.type}"; one of: ${CHILD_WORKFLOW_TYPES.join(', ')}`);
        }
        if (run.input !== undefined && run.params !== undefined) {
          throw invalid('give the run\'s input once: "input" ("params" is its old name)');
        }
        requireOpen();
        if (s.runningChildren() >= SESSION_LIMITS.runningChildren) {
          throw failure(
            FAILURE_TYPES.LimitReached,
            `the session has ${SESSION_LIMITS.runningChildren} runs in progress, the most it runs at once; wait for one to finish`,
          );
        }
      },
    },
  );

  setHandler(
    checkpointUpdate,
    async ({ label }) =>
      turns.run(async () => {
        const record = await store.createCheckpoint({
          sessionId: input.sessionId,
          checkpointId: uuid4(),
          label: label?.trim() || `checkpoint ${s.data.checkpoints.length + 1}`,
          conversation: s.snapshot(),
          namespaces: s.namespaces(),
          project: input.project,
        });
        s.addCheckpoint(record);
        touch();
        return record;
      }),
    {
      validator: (arg) => {
        if (
          arg?.label !== undefined &&
          (typeof arg.label !== 'string' || arg.label.length > SESSION_LIMITS.labelChars)
        ) {
          throw invalid(`label must be text of at most ${SESSION_LIMITS.labelChars} characters`);
        }
        if (s.data.checkpoints.length >= SESSION_LIMITS.checkpoints) {
          throw failure(
            FAILURE_TYPES.LimitReached,
            `the session has ${SESSION_LIMITS.checkpoints} checkpoints, the most it keeps`,
          );
        }
        requireOpen();
      },
    },
  );

  setHandler(
    rollbackUpdate,
    async ({ checkpointId }) =>
      turns.run(async () => {
        requireOpen();
        const restored = await store.restoreCheckpoint({
          sessionId: input.sessionId,
          checkpointId,
          project: input.project,
        });
        s.restore(restored.conversation);
        touch();
        const { conversation: _c, ...done } = restored;
        // Checkpoints restored before the rollback answer said what it did report nothing more.
        const memory = done.memory ?? { restored: 0, deleted: 0, expired: 0 };
        return { ...s.view(), rollback: { checkpointId, ...done, memory } };
      }),
    {
      validator: ({ checkpointId }) => {
        if (!s.data.checkpoints.some((c) => c.checkpointId === checkpointId)) {
          throw failure(
            FAILURE_TYPES.NotFound,
            `no checkpoint ${checkpointId} in this session (see the checkpoints query)`,
          );
        }
      },
    },
  );

  setHandler(
    forkUpdate,
    async ({ checkpointId, title }) => {
      const cp = s.data.checkpoints.find((c) => c.checkpointId === checkpointId);
      if (!cp) throw failure(FAILURE_TYPES.NotFound, `no checkpoint ${checkpointId}`);
      const sessionId = uuid4();
      // The fork's memory is its own: each of the parent's namespaces has a copy under the fork.
      const namespaces = forkNamespaces(s.namespaces(), input.sessionId, sessionId);
      const conversation = await store.forkCheckpoint({
        fromSessionId: input.sessionId,
        toSessionId: sessionId,
        checkpointId,
        namespaces,
      });
      const settings = input.settings?.memoryNamespaces
        ? { ...input.settings, memoryNamespaces: namespaces.map((m) => m.to) }
        : input.settings;
      const workflowId = sessionWorkflowId(sessionId);
      await startChild(session, {
        workflowId,
        parentClosePolicy: ParentClosePolicy.ABANDON,
        args: [
          {
            sessionId,
            title: title ?? `${input.title} (fork)`,
            owner: input.owner,
            project: input.project,
            settings,
            parent: { sessionId: input.sessionId, checkpointId },
            carried: stateFromConversation(conversation, new Date().toISOString()),
          },
        ],
      });
      touch();
      return { sessionId, workflowId };
    },
    {
      validator: ({ checkpointId }) => {
        if (!s.data.checkpoints.some((c) => c.checkpointId === checkpointId)) {
          throw failure(
            FAILURE_TYPES.NotFound,
            `no checkpoint ${checkpointId} in this session (see the checkpoints query)`,
          );
        }
      },
    },
  );

  setHandler(
    requestApprovalUpdate,
    (req) => {
      const request = s.addApproval({
        requestId: req.requestId ?? `approval-${s.nextSeq()}`,
        title: req.title,
        details: req.details,
        from: req.from ?? 'session',
        requestedAt: new Date().toISOString(),
        timeout: req.timeout,
        defaultOutcome: req.defaultOutcome,
      });
      touch();
      return request;
    },
    {
      validator: (req) => {
        if (typeof req?.title !== 'string' || !req.title.trim())
          throw invalid('title is required: what needs approving');
        if (req.defaultOutcome !== undefined && req.defaultOutcome !== 'approve' && req.defaultOutcome !== 'reject') {
          throw invalid('defaultOutcome must be "approve" or "reject"');
        }
        if (req.timeout !== undefined && !req.defaultOutcome)
          throw invalid('a timeout needs a defaultOutcome to apply');
        if (req.timeout !== undefined) {
          const ms = parseDuration(req.timeout);
          if (ms === undefined) throw invalid(`timeout "${req.timeout}" is not ${DURATION_HINT}`);
          if (ms > SESSION_LIMITS.maxDurationMs) throw invalid('timeout is longer than a year; give a shorter one');
        }
        if (req.title.includes('\u0000') || req.details?.includes('\u0000'))
          throw invalid('title and details must not contain the NUL character (U+0000)');
        requireOpen();
        if (s.data.pending.length >= SESSION_LIMITS.pendingApprovals) {
          throw failure(
            FAILURE_TYPES.LimitReached,
            `the session has ${SESSION_LIMITS.pendingApprovals} approvals waiting, the most it holds; decide some first`,
          );
        }
      },
    },
  );

  setHandler(
    decideUpdate,
    async (d) => {
      const outcome = s.decide(d.requestId, d.decision, d.by ?? 'user', d.comment);
      saveDecision(outcome);
      touch();
      await notifyRequester(outcome);
      return outcome;
    },
    {
      validator: (d) => {
        if (d?.decision !== 'approve' && d?.decision !== 'reject')
          throw invalid('decision must be "approve" or "reject"');
        if (!s.data.pending.some((p) => p.requestId === d.requestId)) {
          const done = s.data.decided.find((o) => o.requestId === d.requestId);
          throw done
            ? failure(
                FAILURE_TYPES.Conflict,
                `approval ${d.requestId} was already ${done.outcome} by ${done.decidedBy}`,
              )
            : failure(FAILURE_TYPES.NotFound, `no pending approval ${d.requestId}`);
        }
      },
    },
  );

  async function notifyRequester(outcome: { requestId: string }) {
    const req = s.lastDecidedRequest(outcome.requestId);
    if (req && req.from !== 'session') {
      const decided = s.data.decided.find((o) => o.requestId === outcome.requestId);
      if (decided) {
        await getExternalWorkflowHandle(req.from)
          .signal(approvalDecidedSignal, decided)
          .catch((err: unknown) => log.warn('could not tell the requester about a decision', { err: String(err) }));
      }
    }
  }

  // The main loop: write what changed, apply approval deadlines, expire idle sessions, and hand
  // over to a fresh run when history grows. Between events the workflow just waits (evictable).
  const continueAfter = input.settings?.continueAsNewAfter ?? 500;
  const runMessageStart = s.data.messageCount;
  for (;;) {
    if (indexedStatus !== s.data.status) {
      indexedStatus = s.data.status;
      upsertSearchAttributes([
        { key: CfSessionStatus, value: s.data.status },
        { key: CfOwner, value: input.owner },
        ...(s.projectKey() ? [{ key: CfProject, value: s.projectKey() as string }] : []),
      ]);
    }
    if (changed) {
      changed = false;
      await saveProjection();
    }
    if (s.data.status === 'ended' || s.data.status === 'failed') break;
    const expired = s.expiredApprovals(Date.now());
    if (expired.length) {
      for (const id of expired) {
        const req = s.data.pending.find((p) => p.requestId === id);
        const outcome = s.decide(id, req?.defaultOutcome === 'approve' ? 'approve' : 'reject', 'deadline');
        saveDecision(outcome);
        await notifyRequester(outcome);
      }
      touch();
      continue;
    }
    if (workflowInfo().continueAsNewSuggested || s.data.messageCount - runMessageStart >= continueAfter) {
      await condition(allHandlersFinished);
      await saveProjection();
      return await continueAsNew<typeof session>({ ...input, carried: s.carry() });
    }
    const wake = s.nextWakeMs(Date.now(), input.settings?.idleExpiry);
    const idleExpired = wake.idle !== undefined && wake.idle <= 0;
    if (idleExpired) {
      s.setStatus('ended', `idle for ${input.settings?.idleExpiry}`);
      touch();
      continue;
    }
    const timeout = Math.min(wake.idle ?? Infinity, wake.deadline ?? Infinity);
    const before = s.version;
    // Clamped: a longer wait just wakes once and goes back to waiting.
    if (Number.isFinite(timeout))
      await condition(
        () => changed || s.version !== before,
        Math.min(Math.max(1, timeout), SESSION_LIMITS.maxDurationMs),
      );
    else await condition(() => changed || s.version !== before);
  }
  await condition(allHandlersFinished);
  return { status: s.data.status, reason: s.data.statusReason, messageCount: s.data.messageCount };
}
