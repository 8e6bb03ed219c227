// Post-drop report page (issue 8; creator, admin): how the drop went, from GET /v1/drops/{id}/report.
// Headline figures, forecast range vs realised per region, planned vs realised lead-time delta,
// stock-outs on a timeline, leftovers per hub and where the plan missed most. 404 = not written yet.
import { api, ApiError, DEMO_DROP_ID, el, fmt, getKey, keyRole, kpi, param, setState, table } from './api.js';
import { clippedMax, COLORS } from './charts.js';
import { drawRegionMap, SCALES } from './map.js';
import { startPage } from './page.js';

/** The drop asked for, else (on first load) the most recently closed drop the key can see. */
let dropId = param('drop', '');
const enc = encodeURIComponent;
const $ = (id) => document.getElementById(id);
const HOUR_MS = 3_600_000;

const NO_REPORT_YET = 'No report yet: it is written within a minute after the drop closes.';
const NOT_CLOSED = 'No report yet: the drop has not closed.';

const panels = {
  report: $('report-panel'),
  forecast: $('forecast-panel'),
  delta: $('delta-panel'),
  stockouts: $('stockouts-panel'),
  leftover: $('leftover-panel'),
  misses: $('misses-panel'),
  map: $('map-panel'),
};
const sections = $('report-sections');
const skuSelect = $('sku-select');
const state = { drop: null, report: null, regions: [], hubs: [], plan: null };

function setNavLinks() {
  $('nav-drop').href = `/app/drop.html?drop=${enc(dropId)}`;
  $('nav-preview').href = `/app/preview.html?drop=${enc(dropId)}`;
}

/** No ?drop=: the latest closed drop this key sees, so the page has something to show; else the demo drop. */
async function chooseDrop() {
  if (dropId) return;
  const drops = await api('/v1/drops').then(
    (r) => r.items,
    () => [],
  );
  const closed = drops.filter((d) => d.status === 'closed').sort((a, b) => b.closes_at.localeCompare(a.closes_at));
  dropId = closed[0]?.id ?? DEMO_DROP_ID;
}

function hubName(id) {
  const hub = state.hubs.find((h) => h.id === id);
  return hub && hub.name !== id ? `${hub.name} (${id})` : id;
}
function regionName(id) {
  const region = state.regions.find((r) => r.id === id);
  return region && region.name !== id ? `${region.name} (${id})` : id;
}

/** setState, and the panel's chart/table area shown only when ready (an 'ok' message has no data). */
function show(panel, kind, message) {
  setState(panel, kind, message);
  const data = panel.querySelector('.needs-data');
  if (data) data.hidden = kind !== 'ready';
}

function draw(canvas, config) {
  const Chart = window.Chart;
  if (!Chart) throw new Error('The chart library did not load');
  Chart.getChart(canvas)?.destroy();
  const chart = new Chart(canvas, config);
  canvas.dataset.rendered = 'true';
  return chart;
}

async function load() {
  document.body.dataset.ready = 'false';
  state.drop = null;
  state.report = null;
  sections.hidden = true;
  if (!getKey()) {
    setState(panels.report, 'empty', 'Enter an API key above to see this drop’s report.');
    document.body.dataset.ready = 'true';
    return;
  }
  setState(panels.report, 'loading', 'Loading the report…');
  await chooseDrop();
  setNavLinks();
  try {
    state.drop = await api(`/v1/drops/${enc(dropId)}`);
  } catch (error) {
    setState(panels.report, 'error', error.message);
    document.body.dataset.ready = 'true';
    return;
  }
  $('report-title').textContent = `Post-drop report: ${state.drop.name}`;
  document.title = `${state.drop.name} · Post-drop report`;
  // The report job writes the report and marks the drop closed in one transaction: before that there
  // is nothing to ask for (and no 404 to provoke).
  if (state.drop.status !== 'closed') {
    const closesAt = new Date(state.drop.closes_at).getTime();
    setState(
      panels.report,
      'empty',
      closesAt > Date.now()
        ? `${NOT_CLOSED} It closes ${fmt.dateTime(state.drop.closes_at)}; the report follows within a minute.`
        : NO_REPORT_YET,
    );
    document.body.dataset.ready = 'true';
    return;
  }
  try {
    state.report = await api(`/v1/drops/${enc(dropId)}/report`);
  } catch (error) {
    setState(panels.report, 'error', error instanceof ApiError && error.status === 404 ? NO_REPORT_YET : error.message);
    document.body.dataset.ready = 'true';
    return;
  }
  // Names, the map's regions and the plan's placed units (keys that may read them).
  const planReaders = ['admin', 'creator'].includes(keyRole());
  const [regions, hubs, plan] = await Promise.all([
    api('/v1/regions').then((r) => r.items),
    planReaders ? api('/v1/hubs').then((r) => r.items) : [],
    planReaders && state.report.plan_id ? api(`/v1/plans/${enc(state.report.plan_id)}`) : null,
  ]);
  Object.assign(state, { regions, hubs, plan });
  renderHeadline();
  sections.hidden = false;
  fillSkuSelect();
  renderForecast();
  renderDelta();
  renderStockOuts();
  renderLeftovers();
  renderMisses();
  await renderMap();
  document.body.dataset.ready = 'true';
}

function renderHeadline() {
  const { drop, report } = state;
  $('report-meta').textContent =
    `${drop.id} · opened ${fmt.dateTime(drop.opens_at)} · closed ${fmt.dateTime(drop.closes_at)} · promise ${drop.promise_business_days} business day(s) · report written ${fmt.dateTime(report.created_at)} · plan ${report.plan_id ?? 'none published'} · forecast ${report.forecast_id ?? 'none'}`;
  const days = drop.promise_business_days;
  const leftover = Object.values(report.leftover_by_hub).reduce((sum, u) => sum + u, 0);
  $('kpis').replaceChildren(
    kpi(
      'Units ordered',
      fmt.units(report.units_ordered),
      'What buyers actually ordered over the drop, pre-orders included.',
      {
        id: 'kpi-ordered',
        'data-value': report.units_ordered,
      },
    ),
    kpi(
      'Filled within promise',
      `${fmt.units(report.units_within_promise)} (${fmt.pct(report.fill_rate_within_promise)})`,
      `Ordered units that arrived within ${days} business day${days === 1 ? '' : 's'}, from the stock the plan placed.`,
      { id: 'kpi-filled', 'data-value': report.units_within_promise },
    ),
    kpi(
      'Forecast range held',
      `${fmt.pct(report.share_inside_p10_p90)} of ${report.cells.length}`,
      'Share of SKU × region cells whose real orders fell inside the forecast’s p10–p90 range (80% expected).',
      { id: 'kpi-inside', 'data-value': report.share_inside_p10_p90 ?? '' },
    ),
    kpi(
      'Fallback premium',
      fmt.money(report.fallback_premium_total),
      'Extra paid for units from a dearer fallback supplier (its unit cost minus the primary’s).',
      { id: 'kpi-premium', 'data-value': report.fallback_premium_total },
    ),
    kpi('Left at hubs', fmt.units(leftover), 'Units still at micro-hubs when the drop closed, all SKUs.', {
      id: 'kpi-leftover',
      'data-value': leftover,
    }),
    kpi('Stock-outs', fmt.num(report.stock_outs.length, 0), 'Hub × SKU pairs that ran out before the drop closed.', {
      id: 'kpi-stockouts',
      'data-value': report.stock_outs.length,
    }),
  );
  const fallbacks = report.fallback_suppliers;
  $('fallback-table').replaceChildren(
    fallbacks.length
      ? table(
          'Fallback supplier orders',
          [
            { label: 'Supplier', value: (f) => f.supplier_id },
            { label: 'SKU', value: (f) => f.sku_id },
            { label: 'Units', value: (f) => fmt.num(f.units, 0), num: true },
            { label: 'Premium', value: (f) => fmt.money(f.premium_cost), num: true },
            { label: 'Reason', value: (f) => f.reason },
          ],
          fallbacks,
        )
      : el('p', { className: 'muted' }, 'No fallback supplier was used.'),
  );
  setState(panels.report, 'ready');
}

function skusOf(report) {
  const units = new Map();
  for (const c of report.cells) units.set(c.sku_id, (units.get(c.sku_id) ?? 0) + c.realised);
  return [...units.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([sku]) => sku);
}

function fillSkuSelect() {
  const skus = skusOf(state.report);
  const current = skus.includes(skuSelect.value) ? skuSelect.value : skus[0];
  skuSelect.replaceChildren(...skus.map((sku) => el('option', { value: sku, selected: sku === current }, sku)));
  if (!skus.length) skuSelect.append(el('option', { value: '' }, 'no SKUs'));
  skuSelect.disabled = skus.length < 2;
}

/** One SKU's cells, one row per region: most ordered first. */
function forecastRows(cells, skuId) {
  return cells
    .filter((c) => c.sku_id === skuId)
    .sort(
      (a, b) => b.realised - a.realised || b.forecast_p50 - a.forecast_p50 || a.region_id.localeCompare(b.region_id),
    );
}

function renderForecast() {
  const panel = panels.forecast;
  const skuId = skuSelect.value;
  const rows = forecastRows(state.report.cells, skuId);
  if (!rows.length) {
    show(panel, 'empty', 'No forecast was stored for this drop, so there is nothing to compare the orders with.');
    return;
  }
  show(panel, 'ready');
  const canvas = $('forecast-chart');
  canvas.dataset.sku = skuId;
  const max = clippedMax(rows.map((r) => Math.max(r.forecast_p90, r.realised)));
  canvas.dataset.axisMax = max === undefined ? '' : String(max);
  draw(canvas, {
    type: 'bar',
    data: {
      labels: rows.map((r) => r.region_id),
      datasets: [
        {
          type: 'bar',
          label: 'forecast p10–p90 (units)',
          data: rows.map((r) => [r.forecast_p10, r.forecast_p90]),
          pointStyle: 'rect',
          backgroundColor: COLORS.brandLight,
          borderColor: COLORS.brand,
          borderWidth: 1,
          minBarLength: 3,
          order: 3,
        },
        {
          type: 'line',
          label: 'forecast median (p50)',
          data: rows.map((r) => r.forecast_p50),
          showLine: false,
          pointStyle: 'line',
          pointRotation: 90,
          pointRadius: 9,
          pointBorderWidth: 3,
          borderColor: COLORS.median,
          backgroundColor: COLORS.median,
          order: 2,
        },
        {
          type: 'line',
          label: 'realised, inside p10–p90',
          data: rows.map((r) => (r.inside_p10_p90 ? r.realised : null)),
          showLine: false,
          pointStyle: 'circle',
          pointRadius: 6,
          borderColor: COLORS.good,
          backgroundColor: COLORS.good,
          order: 1,
        },
        {
          type: 'line',
          label: 'realised, outside p10–p90',
          data: rows.map((r) => (r.inside_p10_p90 ? null : r.realised)),
          showLine: false,
          pointStyle: 'crossRot',
          pointRadius: 8,
          pointBorderWidth: 3,
          borderColor: COLORS.bad,
          backgroundColor: COLORS.bad,
          order: 0,
        },
      ],
    },
    options: {
      indexAxis: 'y',
      scales: {
        x: {
          beginAtZero: true,
          max,
          title: {
            display: true,
            text:
              `units of ${skuId} over the drop window` +
              (max === undefined ? '' : ' (axis cut: the largest region runs past it, see the table)'),
          },
        },
        y: { ticks: { autoSkip: false } },
      },
      plugins: {
        // Point-style legend: the realised markers differ by shape (dot, cross) as well as colour.
        legend: { position: 'bottom', labels: { usePointStyle: true } },
        tooltip: {
          callbacks: {
            label: (ctx) => {
              const r = rows[ctx.dataIndex];
              if (ctx.datasetIndex === 0) return `forecast p10 ${r.forecast_p10} – p90 ${r.forecast_p90} units`;
              if (ctx.datasetIndex === 1) return `forecast median ${r.forecast_p50}`;
              return `realised ${r.realised} (${r.inside_p10_p90 ? 'inside' : 'outside'} the range)`;
            },
          },
        },
      },
    },
  });
  $('forecast-table').replaceChildren(
    table(
      `Forecast vs realised, ${skuId}`,
      [
        { label: 'Region', value: (r) => r.region_id },
        { label: 'p10', value: (r) => fmt.num(r.forecast_p10, 1), num: true },
        { label: 'median', value: (r) => fmt.num(r.forecast_p50, 1), num: true },
        { label: 'p90', value: (r) => fmt.num(r.forecast_p90, 1), num: true },
        { label: 'Realised', value: (r) => fmt.num(r.realised, 0), num: true },
        { label: 'Inside p10–p90', value: (r) => (r.inside_p10_p90 ? 'yes' : 'no') },
      ],
      rows,
    ),
  );
}

/** Regions with a planned or a realised delta, ranked by the planned one. */
function deltaRows(regions) {
  return regions
    .filter((r) => r.planned_lead_time_delta_days !== null || r.realised_lead_time_delta_days !== null)
    .sort(
      (a, b) =>
        (b.planned_lead_time_delta_days ?? -Infinity) - (a.planned_lead_time_delta_days ?? -Infinity) ||
        a.region_id.localeCompare(b.region_id),
    );
}

function renderDelta() {
  const panel = panels.delta;
  const rows = deltaRows(state.report.regions);
  if (!rows.length) {
    show(
      panel,
      'empty',
      'No region had a hub in the plan or a replayed order, so there is no lead-time delta to show.',
    );
    return;
  }
  show(panel, 'ready');
  draw($('delta-chart'), {
    type: 'bar',
    data: {
      labels: rows.map((r) => r.region_id),
      datasets: [
        {
          label: 'planned (days faster)',
          data: rows.map((r) => r.planned_lead_time_delta_days),
          backgroundColor: COLORS.brand,
          minBarLength: 2,
        },
        {
          label: 'realised (days faster)',
          data: rows.map((r) => r.realised_lead_time_delta_days),
          backgroundColor: COLORS.fallback,
          minBarLength: 2,
        },
      ],
    },
    options: {
      indexAxis: 'y',
      scales: {
        x: { beginAtZero: true, title: { display: true, text: 'business days faster than the baseline path' } },
        y: { ticks: { autoSkip: false } },
      },
      plugins: { legend: { position: 'bottom' } },
    },
  });
  $('delta-table').replaceChildren(
    table(
      'Lead-time delta per region (days faster than the baseline)',
      [
        { label: 'Region', value: (r) => regionName(r.region_id) },
        { label: 'Planned', value: (r) => fmt.signed(r.planned_lead_time_delta_days), num: true },
        { label: 'Realised', value: (r) => fmt.signed(r.realised_lead_time_delta_days), num: true },
        { label: 'Units ordered', value: (r) => fmt.num(r.realised_units, 0), num: true },
        { label: 'Within promise', value: (r) => fmt.num(r.within_promise_units, 0), num: true },
      ],
      rows,
    ),
  );
}

/** Hours from the drop's opening, one decimal. */
function hoursAfter(originIso, iso) {
  return Math.round(((new Date(iso).getTime() - new Date(originIso).getTime()) / HOUR_MS) * 10) / 10;
}

function stockOutRows(stockOuts) {
  return [...stockOuts].sort(
    (a, b) => a.at.localeCompare(b.at) || a.hub_id.localeCompare(b.hub_id) || a.sku_id.localeCompare(b.sku_id),
  );
}

function renderStockOuts() {
  const panel = panels.stockouts;
  const rows = stockOutRows(state.report.stock_outs);
  if (!rows.length) {
    show(panel, 'ok', 'No stock-outs: no hub ran out of a SKU before the close.');
    return;
  }
  show(panel, 'ready');
  const opens = state.drop.opens_at;
  const windowHours = hoursAfter(opens, state.drop.closes_at);
  draw($('stockouts-chart'), {
    type: 'bar',
    data: {
      labels: rows.map((s) => `${s.hub_id} · ${s.sku_id}`),
      datasets: [
        {
          label: 'in stock until the stock-out',
          data: rows.map((s) => [0, hoursAfter(opens, s.at)]),
          backgroundColor: COLORS.bad,
          minBarLength: 3,
        },
      ],
    },
    options: {
      indexAxis: 'y',
      scales: {
        x: {
          min: 0,
          suggestedMax: windowHours,
          title: { display: true, text: `hours after the opening (the drop ran ${fmt.num(windowHours, 1)} h)` },
        },
        y: { ticks: { autoSkip: false } },
      },
      plugins: {
        legend: { display: false },
        tooltip: {
          callbacks: {
            label: (ctx) => {
              const s = rows[ctx.dataIndex];
              return `out at ${fmt.dateTime(s.at)} (${s.units_placed} units placed)`;
            },
          },
        },
      },
    },
  });
  $('stockouts-table').replaceChildren(
    table(
      'Stock-outs',
      [
        { label: 'Hub', value: (s) => hubName(s.hub_id) },
        { label: 'SKU', value: (s) => s.sku_id },
        { label: 'Out at', value: (s) => fmt.dateTime(s.at) },
        { label: 'Hours after opening', value: (s) => fmt.num(hoursAfter(opens, s.at), 1), num: true },
        { label: 'Units placed', value: (s) => fmt.num(s.units_placed, 0), num: true },
      ],
      rows,
    ),
  );
}

function leftoverRows(leftoverByHub) {
  return Object.entries(leftoverByHub)
    .map(([hub_id, units]) => ({ hub_id, units }))
    .sort((a, b) => a.hub_id.localeCompare(b.hub_id));
}

function renderLeftovers() {
  const panel = panels.leftover;
  const rows = leftoverRows(state.report.leftover_by_hub);
  if (!rows.length) {
    show(panel, 'empty', 'No stock was placed at any hub, so nothing is left over.');
    return;
  }
  show(panel, 'ready');
  draw($('leftover-chart'), {
    type: 'bar',
    data: {
      labels: rows.map((r) => r.hub_id),
      datasets: [
        {
          label: 'units left at the close',
          data: rows.map((r) => r.units),
          backgroundColor: COLORS.brand,
          minBarLength: 2,
        },
      ],
    },
    options: {
      indexAxis: 'y',
      scales: {
        x: { beginAtZero: true, title: { display: true, text: 'units left at the hub when the drop closed' } },
        y: { ticks: { autoSkip: false } },
      },
      plugins: { legend: { display: false } },
    },
  });
  $('leftover-table').replaceChildren(
    table(
      'Leftover units per hub',
      [
        { label: 'Hub', value: (r) => hubName(r.hub_id) },
        { label: 'Units left', value: (r) => fmt.num(r.units, 0), num: true },
      ],
      rows,
    ),
  );
}

const CAUSES = {
  'under-forecast': 'under-forecast',
  'over-forecast': 'over-forecast',
  'hub-capacity': 'hub capacity',
  'supplier-lead-time': 'supplier lead time',
  'no-hub-within-promise': 'no hub within the promise',
};

function renderMisses() {
  const panel = panels.misses;
  const misses = state.report.top_misses;
  if (!misses.length) {
    show(panel, 'ok', 'Nothing to report: every order was filled within the promise.');
    $('misses-list').replaceChildren();
    return;
  }
  show(panel, 'ready');
  $('misses-list').replaceChildren(
    ...misses.map((m) =>
      el(
        'li',
        { dataset: { region: m.region_id, cause: m.cause } },
        el('strong', {}, regionName(m.region_id)),
        ` · ${fmt.num(m.missed_units, 1)} unit(s) missed · `,
        el('span', { className: 'badge' }, CAUSES[m.cause] ?? m.cause),
        el('br'),
        el('span', { className: 'muted' }, m.detail),
      ),
    ),
  );
}

/** Per region: the report's realised figures and the forecast median summed over SKUs. */
function mapRows(metric) {
  const forecast = new Map();
  for (const c of state.report.cells) forecast.set(c.region_id, (forecast.get(c.region_id) ?? 0) + c.forecast_p50);
  const catalog = new Map(state.regions.map((r) => [r.id, r]));
  return state.report.regions.map((r) => {
    const fill = r.realised_units > 0 ? r.within_promise_units / r.realised_units : null;
    const values = {
      fill,
      ordered: r.realised_units,
      forecast: forecast.get(r.region_id) ?? null,
      delta: r.realised_lead_time_delta_days,
    };
    return {
      id: r.region_id,
      name: catalog.get(r.region_id)?.name ?? r.region_id,
      latitude: catalog.get(r.region_id)?.latitude ?? null,
      longitude: catalog.get(r.region_id)?.longitude ?? null,
      value: values[metric],
      fill,
      forecast: values.forecast,
      ordered: r.realised_units,
      within: r.within_promise_units,
      delta: r.realised_lead_time_delta_days,
      planned: r.planned_lead_time_delta_days,
      detail:
        `${fmt.units(r.realised_units)} ordered, ${fmt.units(r.within_promise_units)} within the promise; ` +
        `forecast median ${fmt.units(values.forecast)}`,
    };
  });
}

async function renderMap() {
  const panel = panels.map;
  const metric = document.querySelector('input[name="map-metric"]:checked')?.value ?? 'fill';
  const rows = mapRows(metric);
  if (!rows.length) {
    show(panel, 'empty', 'The report has no regions.');
    return;
  }
  show(panel, 'ready');
  const values = rows.map((r) => r.value).filter((v) => v !== null);
  const scale = {
    fill: () => SCALES.share(values, 'Share of the units ordered that arrived within the promise'),
    ordered: () => SCALES.units(values, 'Units ordered over the drop, all SKUs (log steps)'),
    forecast: () => SCALES.units(values, 'Forecast median before opening, summed over SKUs (units; log steps)'),
    delta: () => SCALES.delta(values, 'Realised lead-time delta: business days faster than the baseline path'),
  }[metric]();
  const placed = (hubId) =>
    (state.plan?.allocations ?? []).filter((a) => a.hub_id === hubId).reduce((s, a) => s + a.units, 0);
  const capacity = new Map((state.plan?.catalog_snapshot?.hubs ?? []).map((h) => [h.id, h.capacity_units]));
  await drawRegionMap($('region-map'), {
    id: 'report-map',
    title: `${state.drop.name}: ${scale.caption.toLowerCase()}, by region`,
    description:
      `${rows.length} regions coloured by ${scale.caption}. ` + 'The table “Regions as a table” has the same figures.',
    regions: rows,
    hubs: state.hubs.map((h) => ({
      ...h,
      capacity: capacity.get(h.id) ?? h.capacity_units,
      placed: placed(h.id),
      extra: `${fmt.units(state.report.leftover_by_hub[h.id] ?? 0)} left at the close`,
    })),
    scale,
  });
  $('region-map').dataset.metric = metric;
  $('map-table').replaceChildren(
    table(
      'Regions: orders, fill within the promise, forecast and lead-time delta',
      [
        { label: 'Region', value: (r) => (r.name !== r.id ? `${r.name} (${r.id})` : r.id) },
        { label: 'Ordered', value: (r) => fmt.num(r.ordered, 0), num: true },
        { label: 'Within promise', value: (r) => fmt.num(r.within, 0), num: true },
        { label: 'Fill', value: (r) => fmt.pct(r.fill), num: true },
        { label: 'Forecast median', value: (r) => fmt.num(r.forecast, 0), num: true },
        {
          label: 'Delta planned / realised (days)',
          value: (r) => `${fmt.signed(r.planned)} / ${fmt.signed(r.delta)}`,
          num: true,
        },
      ],
      [...rows].sort((a, b) => b.ordered - a.ordered || a.id.localeCompare(b.id)),
    ),
  );
}

for (const radio of document.querySelectorAll('input[name="map-metric"]'))
  radio.addEventListener('change', () => void renderMap().catch((error) => show(panels.map, 'error', error.message)));

skuSelect.addEventListener('change', () => {
  if (state.report) renderForecast();
});
$('sku-form').addEventListener('submit', (event) => event.preventDefault());

startPage(load);
