// Every route the API serves, in one table: who may call it, what it takes, what it does. Each
// area declares its routes next to their handlers (routes/<area>.ts); this file only puts the
// lists together. Access control (access.ts), the audit trail, metrics, the OpenAPI document and
// the app's routing (app.ts) all read this table, so a route cannot exist without a declared
// role. A request matching no entry needs admin.
import type { RouteSpec } from './route-spec';
import { routes as analytics } from './routes/analytics';
import { routes as audit } from './routes/audit';
import { routes as auth } from './routes/auth';
import { routes as codec } from './routes/codec';
import { routes as dashboard } from './routes/dashboard';
import { routes as definitions } from './routes/definitions';
import { routes as docs } from './routes/docs';
import { routes as keys } from './routes/keys';
import { routes as live } from './routes/live';
import { routes as memory } from './routes/memory';
import { routes as operations } from './routes/operations';
import { routes as schedules } from './routes/schedules';
import { routes as sessions } from './routes/sessions';
import { routes as webhooks } from './routes/webhooks';
import { routes as workflows } from './routes/workflows';

export { BASE, type Access, type Method, type RouteSpec } from './route-spec';

export const ROUTES: readonly RouteSpec[] = [
  ...webhooks,
  // Authentication and administration
  ...auth,
  ...keys,
  ...audit,
  ...analytics,
  // Development workflows and their schedules (definitions first: /workflows/definitions is not a run id)
  ...definitions,
  ...workflows,
  ...schedules,
  ...memory,
  ...sessions,
  // Live updates
  ...live,
  // Temporal payload codec (used by the Temporal Web UI)
  ...codec,
  // Documentation and operations
  ...docs,
  ...operations,
  // The web dashboard (web/): its page and files
  ...dashboard,
];

const compiled = ROUTES.map((spec) => ({
  spec,
  re: new RegExp(
    '^' +
      spec.path
        .split(/(\{[A-Za-z]+\})/)
        .map((part) => {
          if (part === '{path}') return '.+';
          if (/^\{[A-Za-z]+\}$/.test(part)) return '[^/]+';
          return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        })
        .join('') +
      '/?$',
  ),
}));

/** The declared route for a method and path; undefined for a path the API does not declare. */
export function routeFor(method: string, path: string): RouteSpec | undefined {
  const m = method === 'HEAD' ? 'GET' : method;
  // Literal routes (`/memory/namespaces/copy`) win over templates: they come first within a method.
  return compiled.find((c) => c.spec.method === m && c.re.test(path))?.spec;
}
