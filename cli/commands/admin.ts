// claude-flow schedule …, keys …, status.
import type { Command } from 'commander';
import { BASE, seg } from '../client';
import { action, type Ctx } from '../context';
import { UsageError } from '../errors';
import { ago, truncate } from '../output';
import { inputOf } from './workflows';

interface Schedule {
  scheduleId: string;
  type?: string;
  cron?: string[] | string;
  every?: string;
  paused?: boolean;
  note?: string;
  nextRuns?: string[];
  nextRunAt?: string;
  recentRuns?: unknown[];
  [k: string]: unknown;
}

const SCH = (id: string) => `${BASE}/schedules/${seg(id)}`;

function when(s: Schedule): string {
  if (s.cron) return Array.isArray(s.cron) ? s.cron.join('; ') : s.cron;
  if (s.every) return `every ${s.every}`;
  const spec = s.spec as { cron?: string[]; every?: string[] | string } | undefined;
  if (spec?.cron?.length) return spec.cron.join('; ');
  if (spec?.every) return `every ${[spec.every].flat().join(', ')}`;
  return '';
}

export function registerSchedules(program: Command): void {
  const schedule = program.command('schedule').description('Run workflows on a schedule (Temporal Schedules)');

  schedule
    .command('create')
    .description('Create a schedule (give --cron or --every)')
    .argument('<scheduleId>', 'a name for it, e.g. nightly-audit')
    .requiredOption('--type <type>', 'the workflow type to run')
    .option('--input <json>', "the type's input as JSON")
    .option('--input-file <file>', 'the input from a JSON file')
    .option('--cron <expr>', 'a cron expression, e.g. "0 3 * * *"')
    .option('--every <interval>', 'an interval, e.g. 1h or 30m')
    .option('--paused', 'create it paused')
    .option('--note <text>', 'a note shown with it')
    .action(
      action(async ({ api, out }: Ctx, id: string, o) => {
        if (!o.cron === !o.every) throw new UsageError('give exactly one of --cron "<expr>" or --every <interval>');
        const res = await api.post<Schedule>(`${BASE}/schedules`, {
          scheduleId: id,
          type: o.type,
          input: inputOf(o),
          cron: o.cron,
          every: o.every,
          paused: o.paused ? true : undefined,
          note: o.note,
        });
        out.result(res, () => out.line(`created schedule ${res.scheduleId ?? id}`));
      }),
    );

  schedule
    .command('list')
    .description('List schedules')
    .action(
      action(async ({ api, out }: Ctx) => {
        const res = await api.get<{ schedules: Schedule[] }>(`${BASE}/schedules`);
        out.result(res, () =>
          out.table(
            ['SCHEDULE', 'TYPE', 'WHEN', 'STATE', 'NEXT', 'NOTE'],
            res.schedules.map((s) => [
              s.scheduleId,
              s.type,
              when(s),
              s.paused ? out.status('paused') : out.status('active'),
              s.nextRunAt ?? s.nextRuns?.[0] ?? '',
              truncate(s.note, 40),
            ]),
            'no schedules (create one with: claude-flow schedule create <id> --type <type> --every 1h)',
          ),
        );
      }),
    );

  schedule
    .command('show')
    .description('One schedule')
    .argument('<scheduleId>')
    .action(
      action(async ({ api, out }: Ctx, id: string) => {
        const s = await api.get<Schedule>(SCH(id));
        out.result(s, () => out.line(JSON.stringify(s, null, 2)));
      }),
    );

  for (const [name, what] of [
    ['pause', 'Pause a schedule'],
    ['unpause', 'Unpause a schedule'],
    ['trigger', 'Run a schedule now'],
  ] as const) {
    const cmd = schedule.command(name).description(what).argument('<scheduleId>');
    if (name === 'pause') cmd.option('--note <text>', 'why');
    cmd.action(
      action(async ({ api, out }: Ctx, id: string, o) => {
        const res = await api.post<unknown>(`${SCH(id)}/${name}`, o.note ? { note: o.note } : {});
        out.result(res ?? { scheduleId: id, [name]: true }, () => out.line(`${name}: ${id}`));
      }),
    );
  }

  schedule
    .command('backfill')
    .description('Run a schedule for the times it would have fired between two instants')
    .argument('<scheduleId>')
    .requiredOption('--start <time>', 'ISO 8601, e.g. 2026-11-20T00:00:00Z')
    .requiredOption('--end <time>', 'ISO 8601, after --start')
    .action(
      action(async ({ api, out }: Ctx, id: string, o) => {
        const res = await api.post<unknown>(`${SCH(id)}/backfill`, { start: o.start, end: o.end });
        out.result(res, () => out.line(`backfilling ${id} from ${o.start} to ${o.end}`));
      }),
    );

  schedule
    .command('delete')
    .description('Delete a schedule (runs it started are kept)')
    .argument('<scheduleId>')
    .action(
      action(async ({ api, out }: Ctx, id: string) => {
        const res = await api.delete<unknown>(SCH(id));
        out.result(res ?? { scheduleId: id, deleted: true }, () => out.line(`deleted schedule ${id}`));
      }),
    );
}

interface Key {
  id: string;
  name: string;
  role: string;
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
  key?: string;
}

export function registerKeys(program: Command): void {
  const keys = program.command('keys').description('API keys (admin)');

  keys
    .command('create')
    .description('Create an API key; the key is printed once')
    .argument('<name>', 'who or what uses it, e.g. ci or ada')
    .option('--role <role>', 'viewer, operator or admin', 'operator')
    .action(
      action(async ({ api, out }: Ctx, name: string, o) => {
        const k = await api.post<Key>(`${BASE}/keys`, { name, role: o.role });
        out.result(k, () => {
          out.line(k.key ?? '');
          out.note(out.dim(`key ${k.id} (${k.role}) for ${k.name}: store it now, it is not shown again`));
        });
      }),
    );

  keys
    .command('list')
    .description('List API keys (never their secrets)')
    .action(
      action(async ({ api, out }: Ctx) => {
        const res = await api.get<{ keys: Key[] }>(`${BASE}/keys`);
        out.result(res, () =>
          out.table(
            ['ID', 'NAME', 'ROLE', 'PREFIX', 'CREATED', 'LAST USED', 'REVOKED'],
            res.keys.map((k) => [
              k.id,
              k.name,
              k.role,
              `${k.prefix}…`,
              ago(k.createdAt),
              k.lastUsedAt ? ago(k.lastUsedAt) : 'never',
              k.revokedAt ? out.red(ago(k.revokedAt)) : '',
            ]),
            'no keys (create one with: claude-flow keys create <name> --role operator)',
          ),
        );
      }),
    );

  keys
    .command('revoke')
    .description('Revoke an API key')
    .argument('<keyId>', 'from `claude-flow keys list`')
    .action(
      action(async ({ api, out }: Ctx, id: string) => {
        const k = await api.delete<Key>(`${BASE}/keys/${seg(id)}`);
        out.result(k, () => out.line(`revoked ${k.id} (${k.name})`));
      }),
    );
}

interface Check {
  ok: boolean;
  detail: string;
  ms: number;
}

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('Health of the API, worker, Temporal and PostgreSQL; exit 1 unless all are ready')
    .action(
      action(async ({ api, out }: Ctx) => {
        const t0 = performance.now();
        const health = await api.get<{ status: string; uptimeSeconds: number }>('/healthz');
        const apiMs = Math.round(performance.now() - t0);
        const ready = await api.request<Record<string, unknown> & { status: string }>('GET', '/readyz', {
          accept: [503],
        });
        const checks = Object.entries(ready).filter(
          (e): e is [string, Check] => typeof e[1] === 'object' && e[1] !== null && 'ok' in e[1],
        );
        const doc = {
          url: api.target.url,
          ready: ready.status === 'ready',
          api: { ok: health.status === 'ok', detail: `up ${health.uptimeSeconds}s`, ms: apiMs },
          ...Object.fromEntries(checks),
        };
        out.result(doc, () => {
          out.table(
            ['COMPONENT', 'STATE', 'DETAIL', 'MS'],
            [
              ['api', out.status('ok'), `${api.target.url}, up ${health.uptimeSeconds}s`, apiMs],
              ...checks.map(([name, c]) => [name, out.status(c.ok ? 'ok' : 'failed'), c.detail, c.ms]),
            ],
          );
        });
        if (!doc.ready) process.exitCode = 1;
      }),
    );
}
