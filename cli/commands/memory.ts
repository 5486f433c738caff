// claude-flow memory …: namespaced entries (set/get/delete/list/search), namespaces, JSONL export/import.
import fs from 'node:fs';
import type { Command } from 'commander';
import { BASE, seg } from '../client';
import { action, intOption, listOption, type Ctx } from '../context';
import { UsageError } from '../errors';
import { ago, jsonOption, truncate } from '../output';

interface Entry {
  namespace: string;
  key: string;
  value?: unknown;
  valueType: string;
  tags: string[];
  version: number;
  size: number;
  expiresAt: string | null;
  updatedAt?: string;
}

/** `code/notes/summary` → namespace `code/notes/`, key `summary`; a `/` inside the key is not possible here. */
export function address(path: string): { namespace: string; key: string; url: string } {
  const parts = path.split('/');
  const key = parts.pop() ?? '';
  if (parts.length === 0 || parts.some((p) => p === '') || key === '') {
    throw new UsageError(`"${path}" is not <namespace>/<key>: give e.g. notes/release-plan or code/api/summary`);
  }
  return {
    namespace: parts.map((p) => `${p}/`).join(''),
    key,
    url: `${BASE}/memory/entries/${seg(...parts, key)}`,
  };
}

const ttl = (v: string): number => {
  const m = /^(\d+)(s|m|h|d)?$/.exec(v);
  if (!m) throw new UsageError(`--ttl must be a number of seconds or e.g. 30m, 12h, 7d, not "${v}"`);
  return Number(m[1]) * { s: 1, m: 60, h: 3600, d: 86400 }[(m[2] ?? 's') as 's' | 'm' | 'h' | 'd'];
};

function showValue(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v, null, 2);
}

export function registerMemory(program: Command): void {
  const memory = program.command('memory').description('Memory: namespaced entries with versions, TTL and search');

  memory
    .command('set')
    .description('Write an entry')
    .argument('<path>', 'namespace/key, e.g. notes/release-plan')
    .argument('[value]', 'the value (text; with --json-value, JSON); "-" or none reads stdin')
    .option('--json-value', 'parse the value as JSON')
    .option('--tags <a,b>', 'comma-separated tags', listOption)
    .option('--ttl <duration>', 'lifetime: seconds, or 30m, 12h, 7d')
    .option(
      '--expected-version <n>',
      'write only if the current version is this (0: new)',
      intOption('--expected-version', 0),
    )
    .action(
      action(async ({ api, out }: Ctx, path: string, value: string | undefined, o) => {
        const a = address(path);
        const raw = value === undefined || value === '-' ? fs.readFileSync(0, 'utf8') : value;
        const body = {
          value: o.jsonValue ? jsonOption('value', raw) : raw,
          valueType: o.jsonValue ? 'json' : 'text',
          tags: o.tags,
          ttlSeconds: o.ttl ? ttl(o.ttl) : undefined,
          expectedVersion: o.expectedVersion,
        };
        const info = await api.put<Entry>(a.url, body);
        out.result(info, () => out.line(`${info.namespace}${info.key} v${info.version}`));
      }),
    );

  memory
    .command('get')
    .description('Read an entry (human output: its value; --json: the whole entry)')
    .argument('<path>', 'namespace/key')
    .action(
      action(async ({ api, out }: Ctx, path: string) => {
        const entry = await api.get<Entry>(address(path).url);
        out.result(entry, () => out.line(showValue(entry.value)));
      }),
    );

  memory
    .command('delete')
    .description('Delete an entry')
    .argument('<path>', 'namespace/key')
    .option('--expected-version <n>', 'delete only if the current version is this', intOption('--expected-version', 0))
    .action(
      action(async ({ api, out }: Ctx, path: string, o) => {
        const a = address(path);
        await api.delete(a.url, { expectedVersion: o.expectedVersion });
        out.result({ deleted: true, namespace: a.namespace, key: a.key }, () => out.line(`deleted ${path}`));
      }),
    );

  memory
    .command('list')
    .description('List entries')
    .option('--namespace <prefix>', 'namespace prefix, e.g. code/')
    .option('--tags <a,b>', 'entries carrying all of these')
    .option('--limit <n>', 'page size', intOption('--limit', 1, 1000))
    .option('--cursor <cursor>', 'the next page, from a previous list')
    .action(
      action(async ({ api, out }: Ctx, o) => {
        const res = await api.get<{ entries: Entry[]; nextCursor?: string }>(`${BASE}/memory/entries`, {
          namespace: o.namespace,
          tags: o.tags,
          limit: o.limit,
          cursor: o.cursor,
        });
        out.result(res, () => {
          out.table(
            ['NAMESPACE', 'KEY', 'VERSION', 'TAGS', 'VALUE', 'UPDATED'],
            res.entries.map((e) => [
              e.namespace,
              e.key,
              e.version,
              e.tags.join(','),
              truncate(e.value, 40),
              ago(e.updatedAt),
            ]),
            'no entries',
          );
          if (res.nextCursor) out.note(out.dim(`more: --cursor ${res.nextCursor}`));
        });
      }),
    );

  memory
    .command('search')
    .description('Ranked search (full text and fuzzy keys; semantic with an embedding provider)')
    .argument('<query...>')
    .option('--namespace <prefix>', 'namespace prefix')
    .option('--tags <a,b>', 'entries carrying all of these')
    .option('--mode <mode>', 'text, semantic or hybrid')
    .option('--limit <n>', 'at most this many', intOption('--limit', 1, 100))
    .action(
      action(async ({ api, out }: Ctx, words: string[], o) => {
        const res = await api.get<{
          mode: string;
          note?: string;
          hits: (Entry & { score: number; snippet: string | null })[];
        }>(`${BASE}/memory/search`, {
          q: words.join(' '),
          namespace: o.namespace,
          tags: o.tags,
          mode: o.mode,
          limit: o.limit,
        });
        out.result(res, () => {
          out.table(
            ['SCORE', 'NAMESPACE', 'KEY', 'MATCH'],
            res.hits.map((h) => [
              h.score.toFixed(3),
              h.namespace,
              h.key,
              (h.snippet ?? '').replace(/\s+/g, ' ').replace(/<b>(.*?)<\/b>/g, (_m, w: string) => out.bold(w)),
            ]),
            'no matches',
          );
          if (res.note) out.note(out.dim(res.note));
        });
      }),
    );

  memory
    .command('namespaces')
    .description('Namespaces with entry counts and sizes')
    .argument('[prefix]', 'only under this namespace')
    .action(
      action(async ({ api, out }: Ctx, prefix: string | undefined) => {
        const res = await api.get<{
          namespaces: { namespace: string; entries: number; bytes: number; sealed: boolean; lastWrittenAt: string }[];
        }>(`${BASE}/memory/namespaces`, { namespace: prefix });
        out.result(res, () =>
          out.table(
            ['NAMESPACE', 'ENTRIES', 'BYTES', 'SEALED', 'LAST WRITE'],
            res.namespaces.map((n) => [n.namespace, n.entries, n.bytes, n.sealed ? 'yes' : '', ago(n.lastWrittenAt)]),
            'no namespaces',
          ),
        );
      }),
    );

  memory
    .command('export')
    .description('Export entries as JSONL (to stdout, or --output file)')
    .option('--namespace <prefix>', 'only this namespace and below')
    .option('-o, --output <file>', 'write it here')
    .action(
      action(async ({ api, out }: Ctx, o) => {
        const text = await api.request<string>('GET', `${BASE}/memory/export`, {
          query: { namespace: o.namespace },
          asText: true,
        });
        if (!o.output) {
          out.write(text);
          return;
        }
        fs.writeFileSync(o.output, text);
        const entries = text.split('\n').filter(Boolean).length - 1;
        out.result({ file: o.output, entries }, () => out.line(`wrote ${o.output} (${entries} entries)`));
      }),
    );

  memory
    .command('import')
    .description('Import a JSONL export')
    .argument('<file>', 'from `claude-flow memory export` ("-": stdin)')
    .action(
      action(async ({ api, out }: Ctx, file: string) => {
        let text: string;
        try {
          text = fs.readFileSync(file === '-' ? 0 : file, 'utf8');
        } catch (err) {
          throw new UsageError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
        }
        const res = await api.request<{ imported: number; unchanged: number; expired: number }>(
          'POST',
          `${BASE}/memory/import`,
          { text: { body: text, contentType: 'application/x-ndjson' } },
        );
        out.result(res, () => out.line(`imported ${res.imported}, unchanged ${res.unchanged}, expired ${res.expired}`));
      }),
    );
}
