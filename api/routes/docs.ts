// The API describing itself: the OpenAPI document and its HTML rendering, both from the catalog.
import { docsPage } from '../docs';
import { openApiDocument } from '../openapi';
import { BASE, type RouteSpec } from '../route-spec';

export const routes: RouteSpec[] = [
  {
    method: 'GET',
    path: `${BASE}/openapi.json`,
    role: 'public',
    tag: 'docs',
    summary: 'This API as OpenAPI 3.1',
    handler: (_req, res, { routes }) => {
      res.json(openApiDocument(routes));
    },
  },
  {
    method: 'GET',
    path: `${BASE}/docs`,
    role: 'public',
    tag: 'docs',
    summary: 'API reference (HTML)',
    handler: (_req, res, { routes }) => {
      res.type('html').send(docsPage(routes));
    },
  },
];
