// The web dashboard (web/, built into web/dist/ by web/build.mjs): its page and files, served from
// the API's own origin so the login cookie, CORS and the API's headers apply. The page and its
// files hold no data (every view reads the API), so they are public; the dashboard's own routes
// (/sessions, /sessions/{id}) answer the same page, which routes in the browser. Its CSP allows
// scripts, styles and connections (fetch, the live WebSocket) from this origin only: no inline
// script or style, no other host.
import fs from 'node:fs';
import path from 'node:path';
import type { Request, Response } from 'express';
import { ProblemError } from '../../lib/errors';
import type { ApiContext, RouteSpec } from '../route-spec';

export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');

const distOf = (ctx: ApiContext) => path.join(ctx.config.projectRoot, 'web', 'dist');

function notBuilt(): ProblemError {
  return new ProblemError(
    503,
    'Dashboard not built',
    'The dashboard has not been built on this machine: run `npm run build:web` (npm install does it too), then reload.',
  );
}

/** Views loaded lazily, by the address they open at: the page opened there preloads their code. */
const LAZY_VIEWS: [prefix: string, source: string][] = [
  ['/designer', 'src/views/Designer.tsx'],
  ['/analytics', 'src/views/Analytics.tsx'],
];

interface ManifestChunk {
  file: string;
  css?: string[];
  imports?: string[];
}

let manifest: { dist: string; mtimeMs: number; chunks: Record<string, ManifestChunk> } | undefined;

/** Vite's build manifest (web/dist/.vite/manifest.json), read again when a build rewrites it. */
function chunksOf(dist: string): Record<string, ManifestChunk> | undefined {
  const file = path.join(dist, '.vite', 'manifest.json');
  try {
    const { mtimeMs } = fs.statSync(file);
    if (manifest?.dist !== dist || manifest.mtimeMs !== mtimeMs) {
      manifest = { dist, mtimeMs, chunks: JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, ManifestChunk> };
    }
    return manifest.chunks;
  } catch {
    return undefined; // an older build without a manifest: the view loads its code as it starts
  }
}

/**
 * `<link>`s for the code and styles of the lazy view at `pathname`, so the browser fetches them
 * while it still runs the page's own script, not after.
 */
export function preloadsFor(dist: string, pathname: string): string {
  const source = LAZY_VIEWS.find(([p]) => pathname === p || pathname.startsWith(`${p}/`))?.[1];
  const chunks = source ? chunksOf(dist) : undefined;
  if (!source || !chunks?.[source]) return '';
  const scripts = new Set<string>();
  const styles = new Set<string>();
  const add = (key: string) => {
    const c = chunks[key];
    if (!c || key === 'index.html' || scripts.has(c.file)) return; // the page's own entry is loading anyway
    scripts.add(c.file);
    for (const css of c.css ?? []) styles.add(css);
    for (const i of c.imports ?? []) add(i);
  };
  add(source);
  return [
    ...[...styles].map((f) => `<link rel="stylesheet" crossorigin href="/${f}">`),
    ...[...scripts].map((f) => `<link rel="modulepreload" crossorigin href="/${f}">`),
  ].join('');
}

function page(req: Request, res: Response, ctx: ApiContext): void {
  const dist = distOf(ctx);
  const file = path.join(dist, 'index.html');
  if (!fs.existsSync(file)) throw notBuilt();
  res.setHeader('Content-Security-Policy', DASHBOARD_CSP);
  res.setHeader('Cache-Control', 'no-cache');
  const html = fs.readFileSync(file, 'utf8');
  const links = preloadsFor(dist, req.path);
  res.type('html').send(links ? html.replace('</head>', `${links}</head>`) : html);
}

const spaRoute = (p: string, summary: string): RouteSpec => ({
  method: 'GET',
  path: p,
  role: 'public',
  tag: 'dashboard',
  summary,
  handler: page,
});

export const routes: RouteSpec[] = [
  spaRoute('/', 'The web dashboard (Overview)'),
  spaRoute('/analytics', 'The web dashboard: analytics and performance monitor'),
  spaRoute('/memory', 'The web dashboard: the memory explorer'),
  spaRoute('/sessions', 'The web dashboard: sessions'),
  spaRoute('/sessions/{sessionId}', 'The web dashboard: a session'),
  spaRoute('/workflows', 'The web dashboard: workflow types and runs'),
  spaRoute('/workflows/schedules', 'The web dashboard: schedules'),
  spaRoute('/workflows/runs/{path}', 'The web dashboard: a workflow run'),
  spaRoute('/designer', 'The web dashboard: the workflow designer (definitions)'),
  spaRoute('/designer/{name}', 'The web dashboard: the designer of one definition'),
  spaRoute('/settings', 'The web dashboard: preferences (kept in the browser)'),
  spaRoute('/admin', 'The web dashboard: API keys and the audit log'),
  {
    method: 'GET',
    path: '/assets/{path}',
    role: 'public',
    tag: 'dashboard',
    summary: "The web dashboard's scripts, styles and images (content-hashed names, cached for good)",
    handler: (req, res, ctx) => {
      const dir = path.join(distOf(ctx), 'assets');
      if (!fs.existsSync(dir)) throw notBuilt();
      const name = ([] as string[]).concat(req.params.path as string | string[]).join('/');
      if (!/^[\w.-]+$/.test(name)) throw new ProblemError(404, 'Not Found', `No dashboard file ${name}`);
      res.setHeader('Content-Security-Policy', DASHBOARD_CSP);
      res.sendFile(name, { root: dir, dotfiles: 'deny', immutable: true, maxAge: '365d' }, (err) => {
        if (err && !res.headersSent)
          res
            .status(404)
            .type('application/problem+json')
            .json({
              type: 'about:blank',
              title: 'Not Found',
              status: 404,
              detail: `No dashboard file ${name}: reload the page (the dashboard may have been rebuilt).`,
            });
      });
    },
  },
];
