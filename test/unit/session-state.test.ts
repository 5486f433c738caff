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
