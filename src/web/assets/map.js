// The region map (issue 19): regions coloured by a figure, hubs as markers with their placed units and
// capacity, lanes on hover or keyboard focus. d3-geo and topojson-client are the UMD builds served from
// node_modules (globals `d3`, `topojson`); boundaries are us-atlas's states and world-atlas's countries.
//
// What is drawn where:
// - a region whose id is a US state's ISO 3166-2 code (US-CA) is that state's boundary (Albers USA);
// - any other region (a custom id, or a code the atlases have no boundary for, such as GB-LND) is a
//   labelled point at the catalog's latitude/longitude: in the US frame when it falls inside it, else
//   in an inset with the world's country outlines fitted around those points;
// - a region with neither is listed under the map as not placed.
// The table next to each map holds the same numbers for keyboard and screen-reader users.
import { el, fmt } from './api.js';

const SVG = 'http://www.w3.org/2000/svg';
const WIDTH = 960;
const HEIGHT = 560;
const US_BOX = [
  [8, 8],
  [736, 552],
];
const INSET_BOX = [
  [752, 28],
  [952, 248],
];

/** ISO 3166-2 US subdivision code → FIPS state code, the ids of us-atlas's state geometries. */
const US_FIPS = {
  AL: '01',
  AK: '02',
  AZ: '04',
  AR: '05',
  CA: '06',
  CO: '08',
  CT: '09',
  DE: '10',
  DC: '11',
  FL: '12',
  GA: '13',
  HI: '15',
  ID: '16',
  IL: '17',
  IN: '18',
  IA: '19',
  KS: '20',
  KY: '21',
  LA: '22',
  ME: '23',
  MD: '24',
  MA: '25',
  MI: '26',
  MN: '27',
  MS: '28',
  MO: '29',
  MT: '30',
  NE: '31',
  NV: '32',
  NH: '33',
  NJ: '34',
  NM: '35',
  NY: '36',
  NC: '37',
  ND: '38',
  OH: '39',
  OK: '40',
  OR: '41',
  PA: '42',
  RI: '44',
  SC: '45',
  SD: '46',
  TN: '47',
  TX: '48',
  UT: '49',
  VT: '50',
  VA: '51',
  WA: '53',
  WV: '54',
  WI: '55',
  WY: '56',
  PR: '72',
};

let atlases;
/** The two atlases, fetched once per page from this service. */
function loadAtlases() {
  atlases ??= Promise.all(
    ['/app/vendor/map/us-states-10m.json', '/app/vendor/map/world-countries-110m.json'].map(async (url) => {
      const res = await fetch(url);
      if (!res.ok) throw new Error(`map data ${url} answered ${res.status}`);
      return res.json();
    }),
  ).then(([us, world]) => ({
    states: window.topojson.feature(us, us.objects.states).features,
    countries: window.topojson.feature(world, world.objects.countries).features,
  }));
  return atlases;
}

/**
 * Colour scales. Each has thresholds (a value v falls in class = how many thresholds are ≤ v) and one
 * colour per class; `legend` labels the classes. The rules are plain so a test can recompute them.
 */
const BLUES = ['#dbe9f6', '#bad6eb', '#89bedc', '#539ecd', '#2b7bba', '#0b559f', '#08306b'];
/** Red (poor) to blue (good), ColorBrewer RdBu: readable with the common colour-vision deficiencies. */
const RED_TO_BLUE = ['#b2182b', '#ef8a62', '#fddbc7', '#d1e5f0', '#67a9cf', '#2166ac'];
const ORANGES = ['#feedde', '#fdbe85', '#fd8d3c', '#e6550d', '#a63603'];
const DELTA = ['#d6604d', '#e5e7eb', '#92c5de', '#4393c3', '#2166ac'];
export const NO_VALUE_COLOR = '#9ca3af';
const CONTEXT_FILL = '#f3f4f6';

/**
 * 1, 3, 10, 30, 100, … inside (min, max]: the steps of a log scale a person can read. When that
 * would make more classes than the palette has colours, decades only (1, 10, 100, …).
 */
export function logSteps(min, max, maxClasses = 7) {
  const steps = [];
  for (let decade = 1; decade <= Math.max(1, max) * 10; decade *= 10) {
    for (const t of [decade, 3 * decade]) if (t > min && t <= max) steps.push(t);
  }
  return steps.length + 1 > maxClasses ? steps.filter((t) => Math.log10(t) % 1 === 0) : steps;
}

/** The colours for n classes, spread over a ramp from light to dark. */
function ramp(colors, n) {
  if (n <= 1) return [colors[Math.floor(colors.length / 2)]];
  return Array.from({ length: n }, (_, i) => colors[Math.round((i * (colors.length - 1)) / (n - 1))]);
}

export function classify(value, thresholds) {
  return thresholds.filter((t) => t <= value).length;
}

function rangeLabels(thresholds, format, unit) {
  return Array.from({ length: thresholds.length + 1 }, (_, i) => {
    if (i === 0) return `below ${format(thresholds[0])}${unit}`;
    if (i === thresholds.length) return `${format(thresholds[i - 1])}${unit} or more`;
    return `${format(thresholds[i - 1])} to under ${format(thresholds[i])}${unit}`;
  });
}

/**
 * The scales the pages use, by metric. `values` are the figures on the map (for the log scale's
 * range). Each answers { thresholds, colors, labels, caption, format }.
 */
export const SCALES = {
  /** Units, log steps 1-3-10 over the range: one big region cannot flatten the rest. */
  units(values, caption) {
    const finite = values.filter((v) => Number.isFinite(v));
    const thresholds = finite.length ? logSteps(Math.min(...finite), Math.max(...finite), BLUES.length) : [];
    const colors = ramp(BLUES, thresholds.length + 1);
    const format = (v) => fmt.num(v, 0);
    const labels = thresholds.length ? rangeLabels(thresholds, format, ' units') : [`${format(finite[0] ?? 0)} units`];
    return { thresholds, colors, labels, caption, format: (v) => fmt.units(v, 0), kind: 'log' };
  },
  /** Business days faster than the baseline: slower (red), then 0, 1, 2, 3+ days faster (blues). */
  delta(_values, caption) {
    const thresholds = [0, 1, 2, 3];
    return {
      thresholds,
      colors: DELTA,
      labels: [
        'slower than the baseline',
        '0 to under 1 day faster',
        '1 to under 2 days faster',
        '2 to under 3 days faster',
        '3 or more days faster',
      ],
      caption,
      format: (v) => `${fmt.signed(v)} business days`,
      kind: 'diverging',
    };
  },
  /** A share where more is better (fill rate, in-stock probability). */
  share(_values, caption) {
    const thresholds = [0.5, 0.7, 0.8, 0.9, 0.95];
    return {
      thresholds,
      colors: RED_TO_BLUE,
      labels: rangeLabels(thresholds, fmt.pct, ''),
      caption,
      format: fmt.pct,
      kind: 'sequential',
    };
  },
  /** A share where more is worse (stock-out risk). */
  risk(_values, caption) {
    const thresholds = [0.05, 0.1, 0.2, 0.4];
    return {
      thresholds,
      colors: ORANGES,
      labels: rangeLabels(thresholds, fmt.pct, ''),
      caption,
      format: fmt.pct,
      kind: 'sequential',
    };
  },
};

function svgEl(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs))
    if (value !== undefined && value !== null) node.setAttribute(name, value);
  for (const child of children) if (child) node.append(child);
  return node;
}

function stateFeatureOf(regionId, states) {
  const m = /^US-([A-Z]{2})$/.exec(regionId);
  return m && US_FIPS[m[1]] ? states.find((f) => f.id === US_FIPS[m[1]]) : undefined;
}

const hasCoords = (p) => Number.isFinite(p.latitude) && Number.isFinite(p.longitude);

/**
 * Draws the map into `container` (replacing what was there).
 * spec: {
 *   id, title, description,
 *   regions: [{ id, name, latitude, longitude, value (number | null), detail? }],
 *   hubs: [{ id, name, latitude, longitude, placed, capacity, extra?,
 *            lanes: [{ region_id, transit_days_min, transit_days_max }] }],
 *   scale: one of SCALES' answers,
 * }
 * Returns { unplaced: [region ids not on the map] }.
 */
export async function drawRegionMap(container, spec) {
  const d3 = window.d3;
  if (!d3?.geoAlbersUsa || !window.topojson) throw new Error('The map library did not load');
  const { states, countries } = await loadAtlases();
  const { scale } = spec;
  const colorOf = (value) =>
    value === null || value === undefined || !Number.isFinite(value)
      ? NO_VALUE_COLOR
      : scale.colors[classify(value, scale.thresholds)];

  // Where each region and hub goes: a boundary, a point in the US frame, or a point in the inset.
  const us = d3.geoAlbersUsa().fitExtent(US_BOX, { type: 'FeatureCollection', features: states });
  const usPath = d3.geoPath(us);
  const placed = spec.regions.map((r) => {
    const feature = stateFeatureOf(r.id, states);
    if (feature) return { ...r, feature, frame: 'us' };
    if (!hasCoords(r)) return { ...r, frame: null };
    return { ...r, frame: us([r.longitude, r.latitude]) ? 'us' : 'inset' };
  });
  const hubs = spec.hubs.map((h) => ({
    ...h,
    frame: hasCoords(h) ? (us([h.longitude, h.latitude]) ? 'us' : 'inset') : null,
  }));
  const insetPoints = [...placed, ...hubs].filter((p) => p.frame === 'inset');
  let inset = null;
  if (insetPoints.length) {
    const lons = insetPoints.map((p) => p.longitude);
    const lats = insetPoints.map((p) => p.latitude);
    const pad = 3;
    const box = {
      type: 'MultiPoint',
      coordinates: [
        [Math.min(...lons) - pad, Math.min(...lats) - pad],
        [Math.max(...lons) + pad, Math.max(...lats) + pad],
      ],
    };
    const projection = d3.geoMercator().fitExtent(INSET_BOX, box).clipExtent(INSET_BOX);
    inset = { projection, path: d3.geoPath(projection) };
  }
  const project = (p) =>
    p.frame === 'us' ? us([p.longitude, p.latitude]) : inset.projection([p.longitude, p.latitude]);
  for (const r of placed) {
    if (r.feature) r.anchor = usPath.centroid(r.feature);
    else if (r.frame) r.anchor = project(r);
  }
  for (const h of hubs) if (h.frame) h.at = project(h);
  const regionById = new Map(placed.map((r) => [r.id, r]));

  const titleId = `${spec.id}-title`;
  const descId = `${spec.id}-desc`;
  const svg = svgEl('svg', {
    viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
    class: 'region-map-svg',
    role: 'group',
    'aria-labelledby': titleId,
    'aria-describedby': descId,
  });
  svg.append(svgEl('title', { id: titleId }, document.createTextNode(spec.title)));
  svg.append(svgEl('desc', { id: descId }, document.createTextNode(spec.description)));

  // Context: every state, light; the drawn regions on top, in the scale's colours.
  const shown = new Set(placed.filter((r) => r.feature).map((r) => r.feature.id));
  const base = svgEl('g', { class: 'map-context', 'aria-hidden': 'true' });
  for (const f of states) if (!shown.has(f.id)) base.append(svgEl('path', { d: usPath(f), fill: CONTEXT_FILL }));
  svg.append(base);
  if (inset) {
    const [[x0, y0], [x1, y1]] = INSET_BOX;
    const g = svgEl('g', { class: 'map-inset', 'aria-hidden': 'true' });
    g.append(svgEl('rect', { x: x0, y: y0, width: x1 - x0, height: y1 - y0, class: 'map-inset-frame' }));
    for (const f of countries) {
      const d = inset.path(f);
      if (d) g.append(svgEl('path', { d, fill: CONTEXT_FILL, class: 'map-country' }));
    }
    const label = svgEl('text', { x: x0, y: y0 - 8, class: 'map-inset-label' });
    label.textContent = 'Outside the US';
    g.append(label);
    svg.append(g);
  }

  const lanes = svgEl('g', { class: 'map-lanes', 'aria-hidden': 'true' });
  const regionsLayer = svgEl('g', { class: 'map-regions' });
  const labels = svgEl('g', { class: 'map-labels', 'aria-hidden': 'true' });
  const hubsLayer = svgEl('g', { class: 'map-hubs' });
  svg.append(regionsLayer, lanes, labels, hubsLayer);

  const tip = el('div', { className: 'map-tooltip', 'aria-hidden': 'true', hidden: true });
  const figure = el('div', { className: 'region-map' }, svg, tip);

  function showTip(text, [x, y]) {
    tip.textContent = text;
    tip.hidden = false;
    const box = svg.getBoundingClientRect();
    const k = box.width / WIDTH;
    const left = Math.min(Math.max(0, x * k + 12), Math.max(0, box.width - tip.offsetWidth));
    tip.style.left = `${left}px`;
    tip.style.top = `${Math.max(0, y * k - tip.offsetHeight - 10)}px`;
  }
  function hideTip() {
    tip.hidden = true;
    lanes.replaceChildren();
    svg.querySelectorAll('.is-active').forEach((n) => n.classList.remove('is-active'));
  }
  function drawLanes(pairs) {
    lanes.replaceChildren(
      ...pairs
        .filter(([from, to]) => from && to)
        .map(([from, to, strong]) =>
          svgEl('line', {
            x1: from[0],
            y1: from[1],
            x2: to[0],
            y2: to[1],
            class: strong ? 'lane lane-strong' : 'lane',
          }),
        ),
    );
  }
  const transit = (l) =>
    l.transit_days_min === l.transit_days_max ? `${l.transit_days_min}` : `${l.transit_days_min}–${l.transit_days_max}`;
  function interactive(node, text, anchor, onShow) {
    node.setAttribute('tabindex', '0');
    node.setAttribute('aria-label', text);
    const show = () => {
      hideTip();
      node.classList.add('is-active');
      onShow();
      showTip(text, anchor);
    };
    node.addEventListener('mouseenter', show);
    node.addEventListener('focus', show);
    node.addEventListener('mouseleave', hideTip);
    node.addEventListener('blur', hideTip);
  }

  for (const r of placed.filter((p) => p.frame)) {
    const fill = colorOf(r.value);
    const valueText = r.value === null || r.value === undefined ? 'no value' : scale.format(r.value);
    const text = `${r.name} (${r.id}): ${valueText}${r.detail ? `. ${r.detail}` : ''}`;
    const attrs = {
      class: r.feature ? 'map-region' : 'map-region map-point',
      'data-region': r.id,
      'data-value': r.value === null || r.value === undefined ? '' : String(r.value),
      'data-class': r.value === null || r.value === undefined ? '' : String(classify(r.value, scale.thresholds)),
      fill,
    };
    const node = r.feature
      ? svgEl('path', { ...attrs, d: usPath(r.feature) })
      : svgEl('circle', { ...attrs, cx: r.anchor[0], cy: r.anchor[1], r: 9 });
    interactive(node, text, r.anchor, () => {
      const serving = new Set(r.servingHubIds ?? []);
      drawLanes(
        hubs.filter((h) => h.lanes.some((l) => l.region_id === r.id)).map((h) => [h.at, r.anchor, serving.has(h.id)]),
      );
    });
    regionsLayer.append(node);
    const short = r.id.replace(/^US-/, '');
    const label = svgEl('text', { x: r.anchor[0], y: r.anchor[1] + (r.feature ? 4 : -13), class: 'map-label' });
    label.textContent = r.feature ? short : r.name;
    labels.append(label);
  }

  for (const h of hubs.filter((x) => x.frame)) {
    const share = h.capacity > 0 ? Math.min(1, h.placed / h.capacity) : 0;
    const laneText = h.lanes.map((l) => `${l.region_id} ${transit(l)} d`).join(', ');
    const used = `${fmt.num(h.placed, 0)} of ${fmt.num(h.capacity, 0)} units placed (${fmt.pct(share)} of capacity)`;
    const text = `${h.name} (${h.id}): ${used}${h.extra ? `. ${h.extra}` : ''}. Lanes: ${laneText || 'none'}`;
    const g = svgEl('g', {
      class: 'map-hub',
      'data-hub': h.id,
      'data-placed': String(h.placed),
      'data-capacity': String(h.capacity),
      transform: `translate(${h.at[0]},${h.at[1]})`,
    });
    g.append(svgEl('circle', { r: 13, class: 'hub-ring' }));
    // The filled arc is the share of capacity the plan uses.
    if (share >= 0.999) g.append(svgEl('circle', { r: 13, class: 'hub-fill' }));
    else if (share > 0) {
      const a = 2 * Math.PI * share;
      const x = 13 * Math.sin(a);
      const y = -13 * Math.cos(a);
      g.append(svgEl('path', { d: `M0,0 L0,-13 A13,13 0 ${share > 0.5 ? 1 : 0},1 ${x},${y} Z`, class: 'hub-fill' }));
    }
    g.append(svgEl('circle', { r: 4, class: 'hub-core' }));
    const label = svgEl('text', { x: 17, y: 5, class: 'map-hub-label' });
    label.textContent = `${fmt.num(h.placed, 0)}/${fmt.num(h.capacity, 0)}`;
    g.append(label);
    interactive(g, text, h.at, () => drawLanes(h.lanes.map((l) => [h.at, regionById.get(l.region_id)?.anchor, true])));
    hubsLayer.append(g);
  }

  // The legend: one swatch per class with its range, the unit, and "no value".
  const legend = el(
    'div',
    { className: 'map-legend' },
    el('p', { className: 'map-legend-caption' }, scale.caption),
    el(
      'ol',
      { className: 'legend-list', 'data-thresholds': JSON.stringify(scale.thresholds) },
      scale.labels.map((label, i) => {
        const swatch = el('span', { className: 'swatch', 'aria-hidden': 'true' });
        swatch.style.background = scale.colors[i];
        return el('li', { 'data-class': String(i), 'data-color': scale.colors[i] }, swatch, label);
      }),
      (() => {
        const swatch = el('span', { className: 'swatch', 'aria-hidden': 'true' });
        swatch.style.background = NO_VALUE_COLOR;
        return el('li', { 'data-class': 'none', 'data-color': NO_VALUE_COLOR }, swatch, 'no value');
      })(),
    ),
    hubs.some((h) => h.frame)
      ? el(
          'p',
          { className: 'muted map-legend-hubs' },
          'Circles are hubs: the dark arc is the share of capacity the plan fills, the label "placed/capacity" ' +
            'in units. Hover or focus a hub or region to see its lanes.',
        )
      : null,
  );
  const unplaced = placed.filter((r) => !r.frame).map((r) => r.id);
  container.replaceChildren(
    figure,
    legend,
    unplaced.length
      ? el(
          'p',
          { className: 'muted' },
          `Not on the map (no boundary and no coordinates in the catalog): ${unplaced.join(', ')}.`,
        )
      : '',
  );
  container.dataset.rendered = 'true';
  return { unplaced };
}
