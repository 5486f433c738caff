// The OpenAPI 3.1 document, generated from the route table (catalog.ts) and its zod schemas
// (z.toJSONSchema), so the document cannot drift from what the routes validate.
import { schemaOf } from './json-schema';
import type { RouteSpec } from './route-spec';

type Json = Record<string, unknown>;

const problem = { $ref: '#/components/schemas/Problem' };
const problemResponse = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: problem } },
});

function parameters(spec: RouteSpec): Json[] {
  const params: Json[] = [...spec.path.matchAll(/\{([A-Za-z]+)\}/g)].map((m) => ({
    name: m[1],
    in: 'path',
    required: true,
    schema: { type: 'string' },
    ...(m[1] === 'path' ? { description: 'namespace and key as one path: sessions/abc/summary' } : {}),
  }));
  if (spec.query) {
    const js = schemaOf(spec.query) as { properties?: Record<string, Json>; required?: string[] };
    for (const [name, schema] of Object.entries(js.properties ?? {})) {
      const { description, ...rest } = schema;
      params.push({ name, in: 'query', required: js.required?.includes(name) ?? false, schema: rest, description });
    }
  }
  return params;
}

function operation(spec: RouteSpec): Json {
  const ok = spec.response;
  const responses: Json = {
    [String(ok?.status ?? 200)]: {
      description: ok?.description ?? 'OK',
      content: { 'application/json': { schema: ok ? schemaOf(ok.schema, 'output') : {} } },
    },
    '400': problemResponse('Invalid input; `detail` names each bad field'),
  };
  for (const [status, description] of Object.entries(spec.errors ?? {})) {
    responses[status] = problemResponse(description as string);
  }
  if (spec.role !== 'public') {
    responses['401'] = problemResponse('No, unknown or revoked API key');
    responses['403'] = problemResponse('The role is below the one needed');
  }
  responses['429'] = problemResponse('Rate limited; see Retry-After');
  return {
    summary: spec.summary,
    ...(spec.description ? { description: spec.description } : {}),
    tags: [spec.tag],
    operationId: `${spec.method.toLowerCase()}${spec.path.replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ?? '').toUpperCase())}`,
    'x-required-role': spec.role,
    security: spec.role === 'public' ? [] : [{ bearer: [] }, { cookie: [] }],
    parameters: parameters(spec),
    ...(spec.body
      ? { requestBody: { required: true, content: { 'application/json': { schema: schemaOf(spec.body) } } } }
      : {}),
    responses,
  };
}

const cached = new WeakMap<readonly RouteSpec[], Json>();

/** The whole document for a route table (built once per table). */
export function openApiDocument(routes: readonly RouteSpec[]): Json {
  let doc = cached.get(routes);
  if (!doc) cached.set(routes, (doc = build(routes)));
  return doc;
}

function build(routes: readonly RouteSpec[]): Json {
  const paths: Record<string, Json> = {};
  for (const spec of routes) (paths[spec.path] ??= {})[spec.method.toLowerCase()] = operation(spec);
  return {
    openapi: '3.1.0',
    info: {
      title: 'Claude Flow API',
      version: '0.1.0',
      description:
        'Durable AI workflow orchestration on Temporal. Authenticate with `Authorization: Bearer <API key>` ' +
        'or the login cookie from POST /api/claude-flow/auth/login. Roles: viewer < operator < admin.',
    },
    paths,
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'An API key (cf_live_…)' },
        cookie: { type: 'apiKey', in: 'cookie', name: 'cf_login' },
      },
      schemas: {
        Problem: {
          type: 'object',
          required: ['type', 'title', 'status', 'detail'],
          properties: {
            type: { type: 'string' },
            title: { type: 'string' },
            status: { type: 'integer' },
            detail: { type: 'string' },
            requestId: { type: 'string' },
          },
        },
      },
    },
  };
}
