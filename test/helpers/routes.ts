// A concrete, harmless path for a route template, for the tests that call every route of the
// catalog (auth, audit, input policy): ids nothing has, a plain (not sealed) memory namespace.
import type { RouteSpec } from '../../api/route-spec';

export const UNKNOWN_KEY_ID = '00000000-0000-4000-8000-000000000000';

export function concretePath(spec: Pick<RouteSpec, 'path'>): string {
  return spec.path
    .replace(/\{(sessionId|workflowId|scheduleId|name)\}/g, 'nope')
    .replace('{keyId}', UNKNOWN_KEY_ID)
    .replace('{requestId}', 'r1')
    .replace('{id}', '1')
    .replace('{path}', spec.path.includes('/namespaces/') ? 'scratch/' : 'scratch/k');
}
