// The API reference as one plain HTML page rendered from the OpenAPI document: no scripts, no CDN.
import { openApiDocument } from './openapi';
import type { RouteSpec } from './route-spec';

const esc = (s: unknown) =>
  String(s ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );

interface Op {
  summary: string;
  tags: string[];
  'x-required-role': string;
  parameters: { name: string; in: string; required: boolean; description?: string; schema: unknown }[];
  requestBody?: { content: { 'application/json': { schema: unknown } } };
}

/** The reference page for a route table. */
export function docsPage(routes: readonly RouteSpec[]): string {
  const doc = openApiDocument(routes) as {
    info: { title: string; description: string };
    paths: Record<string, Record<string, Op>>;
  };
  const byTag = new Map<string, string[]>();
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const params = op.parameters.length
        ? `<table><tr><th>name</th><th>in</th><th>required</th><th>schema</th><th>about</th></tr>${op.parameters
            .map(
              (p) =>
                `<tr><td><code>${esc(p.name)}</code></td><td>${esc(p.in)}</td><td>${p.required ? 'yes' : ''}</td><td><code>${esc(JSON.stringify(p.schema))}</code></td><td>${esc(p.description)}</td></tr>`,
            )
            .join('')}</table>`
        : '';
      const body = op.requestBody
        ? `<details><summary>request body</summary><pre>${esc(JSON.stringify(op.requestBody.content['application/json'].schema, null, 2))}</pre></details>`
        : '';
      const html = `<section><h3><span class="m">${esc(method.toUpperCase())}</span> <code>${esc(path)}</code> <span class="role">${esc(op['x-required-role'])}</span></h3><p>${esc(op.summary)}</p>${params}${body}</section>`;
      const tag = op.tags[0] ?? 'other';
      byTag.set(tag, [...(byTag.get(tag) ?? []), html]);
    }
  }
  const sections = [...byTag].map(([tag, ops]) => `<h2 id="${esc(tag)}">${esc(tag)}</h2>${ops.join('')}`).join('');
  const nav = [...byTag.keys()].map((t) => `<a href="#${esc(t)}">${esc(t)}</a>`).join(' · ');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(doc.info.title)}</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}
section{border-top:1px solid #ddd;padding:.5rem 0}.m{font-weight:700}.role{font-size:.8em;background:#eef;padding:0 .4em;border-radius:.3em}
table{border-collapse:collapse;font-size:.9em}td,th{border:1px solid #ddd;padding:.2em .4em;text-align:left}pre{background:#f6f6f6;padding:.5em;overflow:auto}</style>
</head><body><h1>${esc(doc.info.title)}</h1><p>${esc(doc.info.description)}</p><p>Machine-readable: <a href="openapi.json">openapi.json</a> (OpenAPI 3.1). ${nav}</p>${sections}</body></html>`;
}
