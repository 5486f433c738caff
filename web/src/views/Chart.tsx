// One chart of the analytics view: a uPlot canvas drawn from a Dataset, its legend (with the value
// under the cursor), the same numbers as a table (for keyboards and screen readers: a canvas says
// nothing by itself), and "Export CSV" of exactly those numbers.
import { useDarkTheme } from '../prefs';
import { downloadText } from '../ui';
import { useEffect, useId, useRef, useState } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface Series {
  label: string;
  values: (number | null)[];
  /** A CSS colour or `var(--name)`. */
  color: string;
  /** Dashed line (a baseline). */
  dash?: boolean;
  /** Points only, no line (markers such as regressions). */
  markers?: boolean;
}

export interface Dataset {
  title: string;
  /** The x column's heading (e.g. "Bucket start"). */
  xLabel: string;
  /** Unix seconds. */
  x: number[];
  series: Series[];
  /** How a value reads in the table and legend. */
  format: (v: number) => string;
  /** Extra text columns of the table and CSV (e.g. a run id), one value per row. */
  notes?: { label: string; values: string[] };
  /** Sums per bucket: stacked bars (the table and CSV keep each series' own values). */
  stacked?: boolean;
  /** Whole numbers (counts): whole-number ticks. */
  integer?: boolean;
}

const INTEGER_INCRS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000, 100_000, 1e6];

export const PALETTE = [
  '#4e79a7',
  '#f28e2b',
  '#59a14f',
  '#e15759',
  '#b07aa1',
  '#76b7b2',
  '#edc948',
  '#ff9da7',
  '#9c755f',
  '#8cd17d',
];

/** A CSS colour with `var(--x)` resolved against the page (uPlot draws on a canvas). */
function resolve(color: string): string {
  const m = /^var\((--[\w-]+)\)$/.exec(color);
  return m ? getComputedStyle(document.documentElement).getPropertyValue(m[1]).trim() || '#888' : color;
}

const pad = (n: number) => String(n).padStart(2, '0');
export const localTime = (sec: number) => {
  const d = new Date(sec * 1000);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
};

/** The CSV of a dataset: ISO times, raw numbers (empty for none), RFC 4180 quoting. */
export function toCsv(d: Dataset): string {
  const q = (s: string) => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const head = [d.xLabel, ...(d.notes ? [d.notes.label] : []), ...d.series.map((s) => s.label)];
  const rows = d.x.map((t, i) => [
    new Date(t * 1000).toISOString(),
    ...(d.notes ? [d.notes.values[i] ?? ''] : []),
    ...d.series.map((s) => (s.values[i] === null || s.values[i] === undefined ? '' : String(s.values[i]))),
  ]);
  return [head, ...rows].map((r) => r.map(q).join(',')).join('\r\n') + '\r\n';
}

export function downloadCsv(name: string, csv: string) {
  downloadText(name, csv, 'text/csv;charset=utf-8');
}

const slug = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');

export function Chart({ data, height = 220, empty }: { data: Dataset; height?: number; empty?: string }) {
  const box = useRef<HTMLDivElement>(null);
  const [hover, setHover] = useState<number | null>(null);
  const dark = useDarkTheme();
  const tableId = useId();
  const hasData = data.x.length > 0 && data.series.some((s) => s.values.some((v) => v !== null && v !== 0));

  useEffect(() => {
    const el = box.current;
    if (!el || data.x.length === 0) return;
    const fg = resolve('var(--muted)');
    const grid = resolve('var(--line)');
    const axis = { stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
    const bars = uPlot.paths.bars?.({ size: [0.8, 40], align: 0 });
    const seriesOpts = (s: Series): uPlot.Series => ({
      label: s.label,
      stroke: resolve(s.color),
      width: s.markers ? 0 : data.stacked ? 1 : 2,
      dash: s.dash ? [6, 4] : undefined,
      spanGaps: false,
      ...(data.stacked ? { fill: resolve(s.color), paths: bars, points: { show: false } } : {}),
      ...(s.markers
        ? { paths: () => null, points: { show: true, size: 11, stroke: resolve(s.color), fill: resolve(s.color) } }
        : {}),
      // Points where a line could not show a value: few of them, or values between gaps.
      ...(!data.stacked && !s.markers
        ? { points: { show: data.x.length <= 60 || s.values.some((v) => v === null), size: 5 } }
        : {}),
    });
    // Stacked: series k is drawn as the sum of series 0..k, tallest first so each covers the one above it.
    const order = data.stacked ? data.series.map((_, i) => data.series.length - 1 - i) : data.series.map((_, i) => i);
    const plotted = data.stacked
      ? data.series.map((_, k) =>
          data.x.map((_x, j) => data.series.slice(0, k + 1).reduce((sum, s) => sum + (s.values[j] ?? 0), 0)),
        )
      : data.series.map((s) => s.values);
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height,
      legend: { show: false },
      cursor: { points: { size: 7 } },
      scales: { x: { time: true }, y: { range: (_u, min, max) => [Math.min(0, min), max > 0 ? max * 1.1 : 1] } },
      axes: [
        // uPlot's own time ticks: local time, seconds to days as the span needs.
        axis,
        {
          ...axis,
          size: 64,
          ...(data.integer ? { incrs: INTEGER_INCRS } : {}),
          values: (_u, ticks) => ticks.map((t) => data.format(t)),
        },
      ],
      series: [{}, ...order.map((i) => seriesOpts(data.series[i]))],
      hooks: { setCursor: [(u) => setHover(u.cursor.idx ?? null)] },
    };
    const plot = new uPlot(opts, [data.x, ...order.map((i) => plotted[i])] as uPlot.AlignedData, el);
    const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(200, el.clientWidth), height }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [data, height, dark]);

  const fmt = (v: number | null | undefined) => (v === null || v === undefined ? '—' : data.format(v));
  const at = hover ?? data.x.length - 1;
  return (
    <figure className="chart">
      <div className="chart-head">
        <figcaption>{data.title}</figcaption>
        <button
          type="button"
          onClick={() => downloadCsv(`${slug(data.title)}.csv`, toCsv(data))}
          disabled={data.x.length === 0}
        >
          Export CSV<span className="sr-only"> of {data.title}</span>
        </button>
      </div>
      {data.x.length === 0 || !hasData ? <p className="muted">{empty ?? 'Nothing in this range.'}</p> : null}
      <div
        ref={box}
        className="plot"
        role="img"
        aria-label={`Chart of ${data.title}; the table below it has the same numbers.`}
        hidden={data.x.length === 0}
        data-testid="plot"
      />
      {data.x.length > 0 ? (
        <ul className="legend" aria-label={`Series of ${data.title}`}>
          {data.series.map((s) => (
            <li key={s.label}>
              <span
                className={`swatch${s.dash ? ' dash' : ''}${s.markers ? ' marker' : ''}`}
                style={{ borderColor: s.color, background: s.dash ? 'transparent' : s.color }}
                aria-hidden="true"
              />
              {s.label}
              {at >= 0 ? <span className="muted"> {fmt(s.values[at])}</span> : null}
            </li>
          ))}
          {at >= 0 ? <li className="muted">at {localTime(data.x[at])}</li> : null}
        </ul>
      ) : null}
      {data.x.length > 0 ? (
        <details className="chart-table">
          <summary>Table of {data.title}</summary>
          {/* Focusable: a keyboard scrolls it (axe scrollable-region-focusable). */}
          <div className="scroll tall" tabIndex={0} role="region" aria-label={`Table of ${data.title}`}>
            <table id={tableId} data-testid="chart-table">
              <caption className="sr-only">{data.title}</caption>
              <thead>
                <tr>
                  <th scope="col">{data.xLabel}</th>
                  {data.notes ? <th scope="col">{data.notes.label}</th> : null}
                  {data.series.map((s) => (
                    <th scope="col" className="num" key={s.label}>
                      {s.label}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {data.x.map((t, i) => (
                  <tr key={t + ':' + i}>
                    <th scope="row">{localTime(t)}</th>
                    {data.notes ? <td className="mono">{data.notes.values[i]}</td> : null}
                    {data.series.map((s) => (
                      <td className="num" key={s.label}>
                        {fmt(s.values[i])}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </details>
      ) : null}
    </figure>
  );
}
