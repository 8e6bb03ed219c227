/**
 * Charts for the notebooks: Vega-Lite specs compiled and rendered to an SVG string in Node
 * (vega's headless `renderer: 'none'` + `toSVG()`, no browser, no canvas). A notebook shows the
 * string with `tslab.display.svg(svg)`, so the chart is saved inside the .ipynb.
 *
 * The builders are deliberately generic (lines, grouped bars, intervals); each takes plain rows.
 */
import { nativeImport } from './project';

/** A Vega-Lite spec (plain JSON); vega-lite validates it when compiling. */
export type TopLevelSpec = Record<string, unknown>;

/** The parts of vega and vega-lite used here (their own types are out of tslab's reach). */
interface VegaLite {
  compile(spec: TopLevelSpec): { spec: object };
}
interface Vega {
  parse(spec: object): unknown;
  View: new (runtime: unknown, options: { renderer: 'none' }) => { toSVG(): Promise<string>; finalize(): void };
}

export type Row = Record<string, string | number | null>;

const WIDTH = 520;
const HEIGHT = 260;

const CONFIG = {
  font: 'Helvetica, Arial, sans-serif',
  background: 'white',
  view: { stroke: '#ddd' },
  axis: { labelFontSize: 11, titleFontSize: 12, gridColor: '#eee' },
  legend: { labelFontSize: 11, titleFontSize: 12 },
  title: { fontSize: 14, anchor: 'start' as const },
};

/** Renders a Vega-Lite spec to an SVG document string. */
export async function toSvg(spec: TopLevelSpec): Promise<string> {
  const [vega, vegaLite] = await Promise.all([nativeImport<Vega>('vega'), nativeImport<VegaLite>('vega-lite')]);
  const vgSpec = vegaLite.compile({ config: CONFIG, ...spec }).spec;
  const view = new vega.View(vega.parse(vgSpec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

export interface LineChartOptions {
  title: string;
  x: string;
  y: string;
  /** series field (one line per value) */
  series?: string;
  xTitle?: string;
  yTitle?: string;
  /** draw y = x as a dashed reference (calibration plots) */
  diagonal?: boolean;
  /** show points on the lines */
  points?: boolean;
  yDomain?: [number, number];
  xDomain?: [number, number];
  xType?: 'quantitative' | 'ordinal';
}

/** Lines of `y` against `x`, one per `series`, with an optional y = x reference. */
export async function lineChart(rows: readonly Row[], o: LineChartOptions): Promise<string> {
  const xScale = o.xDomain ? { domain: o.xDomain } : { zero: false };
  const yScale = o.yDomain ? { domain: o.yDomain } : { zero: false };
  const layers: object[] = [];
  if (o.diagonal) {
    const [lo, hi] = o.xDomain ?? [0, 1];
    layers.push({
      data: {
        values: [
          { [o.x]: lo, [o.y]: lo },
          { [o.x]: hi, [o.y]: hi },
        ],
      },
      mark: { type: 'line', strokeDash: [4, 4], color: '#888' },
      encoding: {
        x: { field: o.x, type: 'quantitative', scale: xScale },
        y: { field: o.y, type: 'quantitative', scale: yScale },
      },
    });
  }
  layers.push({
    data: { values: rows },
    mark: { type: 'line', point: o.points ?? true },
    encoding: {
      x: {
        field: o.x,
        type: o.xType ?? 'quantitative',
        title: o.xTitle ?? o.x,
        scale: o.xType === 'ordinal' ? undefined : xScale,
      },
      y: { field: o.y, type: 'quantitative', title: o.yTitle ?? o.y, scale: yScale },
      ...(o.series && { color: { field: o.series, type: 'nominal', title: o.series } }),
    },
  });
  return toSvg({ title: o.title, width: WIDTH, height: HEIGHT, layer: layers });
}

export interface BarChartOptions {
  title: string;
  /** category on the x axis */
  x: string;
  y: string;
  /** bars side by side per `group` value */
  group?: string;
  xTitle?: string;
  yTitle?: string;
  /** category order (default: as given) */
  sort?: string[];
  /** a horizontal reference rule at this y */
  rule?: number;
  /** stack the groups in one bar instead of side by side */
  stack?: boolean;
}

/** Bars of `y` per `x` category, grouped side by side (or stacked) by `group`. */
export async function barChart(rows: readonly Row[], o: BarChartOptions): Promise<string> {
  const sort = o.sort ?? [...new Set(rows.map((r) => String(r[o.x])))];
  const layers: object[] = [
    {
      mark: { type: 'bar' },
      encoding: {
        x: { field: o.x, type: 'nominal', sort, title: o.xTitle ?? o.x, axis: { labelAngle: -45 } },
        y: { field: o.y, type: 'quantitative', title: o.yTitle ?? o.y },
        ...(o.group && { color: { field: o.group, type: 'nominal', title: o.group } }),
        ...(o.group && !o.stack && { xOffset: { field: o.group } }),
      },
    },
  ];
  if (o.rule !== undefined) {
    layers.push({
      data: { values: [{ ref: o.rule }] },
      mark: { type: 'rule', strokeDash: [4, 4], color: '#888' },
      encoding: { y: { field: 'ref', type: 'quantitative' } },
    });
  }
  return toSvg({ title: o.title, width: WIDTH, height: HEIGHT, data: { values: rows }, layer: layers });
}

export interface IntervalChartOptions {
  title: string;
  /** category on the x axis */
  x: string;
  lo: string;
  mid: string;
  hi: string;
  /** the realised value, drawn as a red dot */
  actual?: string;
  yTitle?: string;
  sort?: string[];
}

/** Per category: an interval [lo, hi] with a tick at `mid`, and the realised value as a dot. */
export async function intervalChart(rows: readonly Row[], o: IntervalChartOptions): Promise<string> {
  const sort = o.sort ?? [...new Set(rows.map((r) => String(r[o.x])))];
  const x = { field: o.x, type: 'nominal', sort, title: o.x, axis: { labelAngle: -45 } };
  const layers: object[] = [
    {
      mark: { type: 'rule', strokeWidth: 6, opacity: 0.35, color: '#4c78a8' },
      encoding: { x, y: { field: o.lo, type: 'quantitative', title: o.yTitle ?? 'units' }, y2: { field: o.hi } },
    },
    {
      mark: { type: 'tick', color: '#4c78a8', thickness: 2 },
      encoding: { x, y: { field: o.mid, type: 'quantitative' } },
    },
  ];
  if (o.actual)
    layers.push({
      mark: { type: 'point', filled: true, color: '#e45756', size: 50 },
      encoding: { x, y: { field: o.actual, type: 'quantitative' } },
    });
  return toSvg({ title: o.title, width: WIDTH, height: HEIGHT, data: { values: rows }, layer: layers });
}

/** A small HTML table of rows (numbers rounded to `digits`), for compact printed results. */
export function htmlTable(rows: readonly Row[], digits = 3): string {
  if (rows.length === 0) return '<p>(no rows)</p>';
  const cols = Object.keys(rows[0] as Row);
  const fmt = (v: string | number | null | undefined): string =>
    typeof v === 'number'
      ? Number.isInteger(v)
        ? String(v)
        : v.toFixed(digits)
      : v === null || v === undefined
        ? ''
        : String(v);
  const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const head = cols.map((c) => `<th>${esc(c)}</th>`).join('');
  const body = rows.map((r) => `<tr>${cols.map((c) => `<td>${esc(fmt(r[c]))}</td>`).join('')}</tr>`).join('');
  return `<table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}
