/**
 * The status page's script, run in the browser (compiled by tsc to `/status.js`): listens to
 * `/events` and keeps the counters, the uPlot plots and the tables current. Each plot's figure
 * carries `data-points`, the number of points it holds.
 */
import type UPlot from 'uplot';
import type { ModelEvent } from '../status.js';
import type { StatusMessage, StatusPoint } from '../status-feed.js';

declare const uPlot: typeof UPlot;

/** Points a plot keeps: ten minutes at one a second. */
const KEEP = 600;
/** One column per field of a `StatusPoint`. */
const columns: (number | null)[][] = Array.from({ length: 10 }, () => []);
let modelEvents: readonly ModelEvent[] = [];

const $ = (id: string): HTMLElement => document.getElementById(id)!;
const n = (v: number): string => Math.round(v).toLocaleString('en-US');

/** Dashed lines at promotions (green) and rollbacks (red), labelled with the version. */
function drawModelMarks(u: UPlot): void {
  const { ctx, bbox } = u;
  for (const e of modelEvents) {
    if (e.kind !== 'promoted' && e.kind !== 'rolled-back') continue;
    const x = u.valToPos(e.at / 1000, 'x', true);
    if (x < bbox.left || x > bbox.left + bbox.width) continue;
    ctx.save();
    ctx.strokeStyle = ctx.fillStyle = e.kind === 'promoted' ? '#1a8f3a' : '#c62828';
    ctx.setLineDash([4, 4]);
    ctx.beginPath();
    ctx.moveTo(x, bbox.top);
    ctx.lineTo(x, bbox.top + bbox.height);
    ctx.stroke();
    ctx.fillText(`${e.kind === 'promoted' ? '' : '↩ '}v${e.version}`, x + 4, bbox.top + 12);
    ctx.restore();
  }
}

/** A time plot of the given point fields in `#plot-<id>`. */
function plot(id: string, title: string, fields: readonly [number, string, string][], draw?: (u: UPlot) => void): { el: HTMLElement; u: UPlot; fields: number[] } {
  const el = $(`plot-${id}`);
  const u = new uPlot(
    {
      title,
      width: el.clientWidth || 440,
      height: 220,
      scales: { x: { time: true } },
      series: [{}, ...fields.map(([, label, stroke]) => ({ label, stroke, width: 1.5, spanGaps: true }))],
      ...(draw ? { hooks: { draw: [draw] } } : {}),
    },
    [[], ...fields.map(() => [])],
    el,
  );
  return { el, u, fields: fields.map(([index]) => index) };
}

const plots = [
  plot('rates', 'Ingest and read rate (per second)', [
    [1, 'ingested/s', '#1565c0'],
    [2, 'read/s', '#ef6c00'],
  ]),
  plot('depths', 'Inbox and outbox depth', [
    [3, 'inbox', '#6a1b9a'],
    [4, 'outbox', '#00838f'],
  ]),
  plot('latency', 'Inference batch latency (ms)', [
    [5, 'p50', '#2e7d32'],
    [6, 'p99', '#c62828'],
  ]),
  plot('model', 'Model metric (held-out RMSE) and promotions', [[7, 'metric', '#37474f']], drawModelMarks),
];

function add(point: StatusPoint): void {
  point.forEach((v, i) => columns[i]!.push(v));
  if (columns[0]!.length > KEEP) for (const c of columns) c.shift();
}

function redraw(): void {
  for (const p of plots) {
    p.u.setData([columns[0] as number[], ...p.fields.map((i) => columns[i]!)]);
    p.el.dataset['points'] = String(columns[0]!.length);
  }
}

function row(tbody: HTMLElement, cells: readonly (string | number)[]): void {
  const tr = document.createElement('tr');
  for (const cell of cells) {
    const td = document.createElement('td');
    td.textContent = typeof cell === 'number' ? n(cell) : cell;
    if (typeof cell === 'number') td.className = 'n';
    tr.append(td);
  }
  tbody.append(tr);
}

function show({ status, operatorRates }: StatusMessage): void {
  $('state').textContent = status.readiness.reason;
  $('ingested').textContent = n(Object.values(status.ingested).reduce((a, b) => a + b, 0));
  $('read').textContent = n(status.elementsRead);
  $('dead').textContent = n(status.deadLetters.reduce((a, g) => a + g.count, 0));
  $('model').textContent = status.models.map((m) => `${m.model} v${m.version}`).join(', ') || '–';
  $('memory').textContent = `${n(status.rssBytes / 2 ** 20)} MiB`;
  modelEvents = status.modelEvents;
  const graph = $('graph').querySelector('tbody')!;
  graph.replaceChildren();
  status.operators.forEach((o, i) => row(graph, [o.stages.join(' → '), o.from.join(', '), o.elementsIn, o.elementsOut, operatorRates[i] ?? 0]));
  const dead = $('dead-letters').querySelector('tbody')!;
  dead.replaceChildren();
  for (const g of status.deadLetters) row(dead, [g.count, g.stage, g.code ?? '–', g.reason]);
}

const events = new EventSource('/events');
events.addEventListener('history', (e: MessageEvent<string>) => {
  for (const c of columns) c.length = 0;
  for (const point of JSON.parse(e.data) as StatusPoint[]) add(point);
  redraw();
});
events.addEventListener('status', (e: MessageEvent<string>) => {
  const message = JSON.parse(e.data) as StatusMessage;
  add(message.point);
  show(message);
  redraw();
});
events.addEventListener('error', () => ($('state').textContent = 'disconnected: retrying…'));
window.addEventListener('resize', () => {
  for (const p of plots) p.u.setSize({ width: p.el.clientWidth, height: 220 });
});
