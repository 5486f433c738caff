// The session state's lists stay bounded, whatever a long-lived session goes through.
import { SESSION_LIMITS } from '../../workflows/contract/session';
import { SessionState } from '../../workflows/session/state';

const state = () => new SessionState({ sessionId: 's1', title: 't', owner: 'o' }, '2026-12-01T00:00:00.000Z');

test('runs: every running one stays listed, the oldest finished ones go first', () => {
  const s = state();
  const total = SESSION_LIMITS.childrenKept + 30;
  for (let i = 0; i < total; i++) {
    s.addChild({ workflowId: `run-${i}`, type: 'systemCheck', status: 'running', startedAt: '2026-12-01T00:00:00Z' });
  }
  // Runs 0-9 keep running; all the others finish, in order.
  for (let i = 10; i < total; i++) s.finishChild(`run-${i}`, 'completed', '2026-12-01T00:01:00Z');
  expect(s.data.children).toHaveLength(SESSION_LIMITS.childrenKept);
  expect(s.runningChildren()).toBe(10);
  expect(s.data.children.slice(0, 10).map((c) => c.workflowId)).toEqual(
    Array.from({ length: 10 }, (_, i) => `run-${i}`),
  );
  // The finished ones kept are the most recent.
  expect(s.data.children.at(-1)?.workflowId).toBe(`run-${total - 1}`);
  expect(s.data.children.find((c) => c.workflowId === 'run-10')).toBeUndefined();
});

test('a run reported twice (its signal and its result) is recorded once', () => {
  const s = state();
  s.addChild({ workflowId: 'r', type: 'aiTask', status: 'running', startedAt: '2026-12-01T00:00:00Z' });
  s.finishChild('r', 'failed', '2026-12-01T00:01:00Z');
  s.finishChild('r', 'completed', '2026-12-01T00:02:00Z');
  expect(s.data.children).toEqual([expect.objectContaining({ status: 'failed', endedAt: '2026-12-01T00:01:00Z' })]);
});

test('decided approvals: the state keeps the most recent ones', () => {
  const s = state();
  for (let i = 0; i < SESSION_LIMITS.decidedKept + 20; i++) {
    s.addApproval({ requestId: `a${i}`, title: 'ok?', from: 'session', requestedAt: '2026-12-01T00:00:00Z' });
    s.decide(`a${i}`, 'approve', 'alice');
  }
  expect(s.data.decided).toHaveLength(SESSION_LIMITS.decidedKept);
  expect(s.lastDecidedRequest('a0')).toBeUndefined();
  expect(s.lastDecidedRequest(`a${SESSION_LIMITS.decidedKept + 19}`)?.title).toBe('ok?');
});

test('the sessions row revision only grows: within a millisecond, as the clock moves, across continue-as-new', () => {
  const s = state();
  const t = Date.parse('2026-12-01T10:00:00.000Z');
  const same = [s.projection(t).revision, s.projection(t).revision, s.projection(t).revision];
  expect(same).toEqual([t * 1000, t * 1000 + 1, t * 1000 + 2]);
  // The clock moved on: the sequence starts again from the new millisecond.
  expect(s.projection(t + 1).revision).toBe((t + 1) * 1000);
  expect(Number.isSafeInteger(s.projection(t + 1).revision)).toBe(true);
  // The next run starts from the carried revision, even on a clock that has not moved.
  const next = new SessionState(
    { sessionId: 's1', title: 't', owner: 'o', carried: s.carry() },
    '2026-12-01T10:00:00.000Z',
  );
  expect(next.projection(t).revision).toBe((t + 1) * 1000 + 2);
  // State carried from before revisions starts at the clock.
  const { revision: _r, ...old } = s.carry();
  expect(new SessionState({ sessionId: 's1', title: 't', owner: 'o', carried: old }, '').projection(t).revision).toBe(
    t * 1000,
  );
});
