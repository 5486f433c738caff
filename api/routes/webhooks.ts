// GitHub webhooks: POST /api/claude-flow/webhooks/github. The signature (X-Hub-Signature-256) is
// checked over the raw body with @octokit/webhooks-methods; configured events start a workflow
// whose id is derived from the delivery id, so a redelivery starts nothing new.
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import express from 'express';
import { ProblemError, badRequest } from '../../lib/errors';
import { workflowType } from '../../lib/workflow-types';
import { BASE, type Handler, type RouteSpec } from '../route-spec';

type Verify = (secret: string, payload: string, signature: string) => Promise<boolean>;
let verifyFn: Verify | undefined;
/** @octokit/webhooks-methods is ESM-only (its types need node16 resolution): loaded once, on first use. */
const WEBHOOKS_METHODS = '@octokit/webhooks-methods';
async function verifySignature(secret: string, payload: string, signature: string): Promise<boolean> {
  verifyFn ??= ((await import(WEBHOOKS_METHODS)) as { verify: Verify }).verify;
  return verifyFn(secret, payload, signature);
}

const DELIVERY = /^[A-Za-z0-9-]{1,100}$/;
const EVENT = /^[a-z_]{1,64}$/;

/** The workflow a delivery starts and its input, or why it starts none. */
function webhookInput(
  configured: string | undefined,
  event: string,
  action: string | undefined,
  payload: Record<string, unknown>,
): { type?: string; input?: unknown; reason?: string } {
  const what = `${event}${action ? `.${action}` : ''}`;
  if (!configured) return { reason: `no workflow is configured for ${what}` };
  const def = workflowType(configured);
  if (!def?.fromWebhook) return { type: configured, input: { event, action, payload } };
  const input = def.fromWebhook(event, action, payload);
  if (input === undefined) return { reason: `${def.type} does not run for ${what}` };
  const parsed = def.input.safeParse(input);
  if (!parsed.success) return { reason: `${def.type} cannot run for this ${what}: ${parsed.error.issues[0]?.message}` };
  return { type: def.type, input: parsed.data };
}

const github: Handler = async (req, res, deps) => {
  const secret = deps.config.github.webhookSecret;
  if (!secret) {
    throw new ProblemError(
      404,
      'Not Found',
      'GitHub webhooks are off: set GITHUB_WEBHOOK_SECRET to the secret of the webhook',
    );
  }
  const signature = req.header('x-hub-signature-256');
  const delivery = req.header('x-github-delivery');
  const event = req.header('x-github-event');
  const raw = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
  if (!signature)
    throw new ProblemError(401, 'Unauthorized', 'X-Hub-Signature-256 is missing: configure the webhook with a secret');
  if (!(await verifySignature(secret, raw, signature).catch(() => false))) {
    throw new ProblemError(
      401,
      'Unauthorized',
      'X-Hub-Signature-256 does not match the body: check GITHUB_WEBHOOK_SECRET',
    );
  }
  if (!delivery || !DELIVERY.test(delivery)) throw badRequest('X-GitHub-Delivery is missing or malformed');
  if (!event || !EVENT.test(event)) throw badRequest('X-GitHub-Event is missing or malformed');
  let payload: { action?: string } & Record<string, unknown>;
  try {
    payload = JSON.parse(raw) as typeof payload;
  } catch (err) {
    throw badRequest(`The delivery body is not JSON: ${(err as Error).message}`);
  }
  const action = typeof payload.action === 'string' ? payload.action : undefined;
  const routes = deps.config.github.webhookWorkflows;
  // Own entries only: an event named `constructor` must not find Object.prototype's.
  const own = (name: string) => (Object.prototype.hasOwnProperty.call(routes, name) ? routes[name] : undefined);
  const configured = (action && own(`${event}.${action}`)) ?? own(event);
  // A catalog type builds its own input from the delivery (e.g. codeReview: repo and PR number);
  // any other configured type gets the delivery as it came.
  const { type, input, reason } = webhookInput(configured, event, action, payload);

  // The delivery id is the idempotency key: recorded once; a redelivery finds it.
  const inserted = await deps.prisma.webhookDelivery.createMany({
    skipDuplicates: true,
    data: [{ id: delivery, event, action, workflowId: type ? `github-${delivery}` : null }],
  });
  if (inserted.count === 0) {
    const prior = await deps.prisma.webhookDelivery.findUnique({ where: { id: delivery } });
    res.status(200).json({ delivery, duplicate: true, workflowId: prior?.workflowId ?? null });
    return;
  }
  if (!type) {
    res.status(202).json({ delivery, workflowId: null, reason });
    return;
  }
  const workflowId = `github-${delivery}`;
  try {
    await deps.temporal.workflow.start(type, {
      taskQueue: deps.config.temporal.taskQueue,
      workflowId,
      args: [input],
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
  res.status(202).json({ delivery, workflowId, type });
};

export const routes: RouteSpec[] = [
  {
    method: 'POST',
    path: `${BASE}/webhooks/github`,
    role: 'public',
    tag: 'webhooks',
    summary: 'GitHub webhook deliveries (authenticated by X-Hub-Signature-256); configured events start a workflow',
    // GitHub (or a tunnel to this machine) calls it under its own Host name; the signature is the check.
    crossSite: true,
    // The signature is over the raw bytes, so this route parses its own body.
    before: [express.raw({ type: () => true, limit: '25mb' })],
    handler: github,
  },
];
