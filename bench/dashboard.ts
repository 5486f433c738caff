// bench/dashboard: what the browser downloads before the dashboard's first view: the page and every
// script and stylesheet it names (web/dist/index.html, built by web/build.mjs), raw and gzip -9.
// Target (issue 15): at most 250 KB gzip of initial JavaScript and CSS.
//
//   npx tsx bench/dashboard.ts
import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { findProjectRoot } from '../lib/config';

const TARGET_KB = 250;
const dist = path.join(findProjectRoot(), 'web', 'dist');
const indexFile = path.join(dist, 'index.html');
if (!fs.existsSync(indexFile)) {
  console.error('web/dist/index.html is missing: run `npm run build:web` first');
  process.exit(1);
}
const html = fs.readFileSync(indexFile, 'utf8');
const initial = [
  ...html.matchAll(/<(?:script[^>]*\bsrc|link[^>]*\brel="(?:stylesheet|modulepreload)"[^>]*\bhref)="\/([^"]+)"/g),
].map((m) => m[1]);
const rows = [{ file: 'index.html', bytes: Buffer.byteLength(html), gzip: gzipSync(html, { level: 9 }).length }];
for (const rel of initial) {
  const body = fs.readFileSync(path.join(dist, rel));
  rows.push({ file: rel, bytes: body.length, gzip: gzipSync(body, { level: 9 }).length });
}
const kb = (n: number) => (n / 1024).toFixed(1);
for (const r of rows)
  console.log(`${r.file.padEnd(36)} ${kb(r.bytes).padStart(8)} KB  ${kb(r.gzip).padStart(7)} KB gzip`);
const code = rows.filter((r) => /\.(js|css)$/.test(r.file));
const total = code.reduce((n, r) => n + r.gzip, 0);
console.log(
  `initial JavaScript and CSS: ${kb(code.reduce((n, r) => n + r.bytes, 0))} KB, ${kb(total)} KB gzip (target ≤ ${TARGET_KB} KB gzip): ${total <= TARGET_KB * 1024 ? 'met' : 'MISSED'}`,
);
