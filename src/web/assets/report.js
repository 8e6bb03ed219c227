// Post-drop report page (issue 8; creator, admin): how the drop went, from GET /v1/drops/{id}/report.
// Headline figures, forecast range vs realised per region, planned vs realised lead-time delta,
// stock-outs on a timeline, leftovers per hub and where the plan missed most. 404 = not written yet.
import { api, ApiError, DEMO_DROP_ID, el, fmt, getKey, param, setState, table } from './api.js';
import { COLORS } from './charts.js';
import { startPage } from './page.js';

const dropId = param('drop', DEMO_DROP_ID);
const enc = encodeURIComponent;
const $ = (id) => document.getElementById(id);
const HOUR_MS = 3_600_000;

const NO_REPORT_YET = 'No report yet: it is written within a minute after the drop closes.';

const panels = {
  report: $('report-panel'),
  forecast: $('forecast-panel'),
  delta: $('delta-panel'),
  stockouts: $('stockouts-panel'),
  leftover: $('leftover-panel'),
  misses: $('misses-panel'),
};
const sections = $('report-sections');
const skuSelect = $('sku-select');
const state = { drop: null, report: null };

$('nav-drop').href = `/app/drop.html?drop=${enc(dropId)}`;

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
  const [drop, report] = await Promise.allSettled([
    api(`/v1/drops/${enc(dropId)}`),
    api(`/v1/drops/${enc(dropId)}/report`),
  ]);
  if (drop.status === 'rejected') {
    setState(panels.report, 'error', drop.reason.message);
    document.body.dataset.ready = 'true';
    return;
  }
  state.drop = drop.value;
  $('report-title').textContent = `Post-drop report: ${state.drop.name}`;
  document.title = `${state.drop.name} · Post-drop report`;
  if (report.status === 'rejected') {
    const error = report.reason;
    if (error instanceof ApiError && error.status === 404) {
      const closes =
        new Date(state.drop.closes_at).getTime() > Date.now()
          ? ` This drop closes ${fmt.dateTime(state.drop.closes_at)}.`
          : '';
      setState(panels.report, 'empty', `${NO_REPORT_YET}${closes}`);
    } else setState(panels.report, 'error', error.message);
    document.body.dataset.ready = 'true';
    return;
  }
  state.report = report.value;
  renderHeadline();
  sections.hidden = false;
  fillSkuSelect();
  renderForecast();
  renderDelta();
  renderStockOuts();
  renderLeftovers();
  renderMisses();
  document.body.dataset.ready = 'true';
}

function renderHeadline() {
  const { drop, report } = state;
  $('report-meta').textContent =
    `${drop.id} · opened ${fmt.dateTime(drop.opens_at)} · closed ${fmt.dateTime(drop.closes_at)} · promise ${drop.promise_business_days} business day(s) · report written ${fmt.dateTime(report.created_at)} · plan ${report.plan_id ?? 'none published'} · forecast ${report.forecast_id ?? 'none'}`;
  const kpi = (label, value, attrs = {}) =>
    el('div', { className: 'kpi' }, el('dt', {}, label), el('dd', attrs, value));
  $('kpis').replaceChildren(
    kpi('Units ordered', fmt.num(report.units_ordered, 0), { id: 'kpi-ordered' }),
    kpi(
      'Filled within promise',
      `${fmt.num(report.units_within_promise, 0)} (${fmt.pct(report.fill_rate_within_promise)})`,
      { id: 'kpi-filled' },
    ),
    kpi('Cells inside p10–p90', `${fmt.pct(report.share_inside_p10_p90)} of ${report.cells.length}`, {
      id: 'kpi-inside',
    }),
    kpi('Fallback premium', fmt.num(report.fallback_premium_total, 2), { id: 'kpi-premium' }),
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
            { label: 'Premium', value: (f) => fmt.num(f.premium_cost, 2), num: true },
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
        x: { beginAtZero: true, title: { display: true, text: `units of ${skuId} over the drop window` } },
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
        { label: 'Region', value: (r) => r.region_id },
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
        { label: 'Hub', value: (s) => s.hub_id },
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
        { label: 'Hub', value: (r) => r.hub_id },
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
        el('strong', {}, m.region_id),
        ` · ${fmt.num(m.missed_units, 1)} unit(s) missed · `,
        el('span', { className: 'badge' }, CAUSES[m.cause] ?? m.cause),
        el('br'),
        el('span', { className: 'muted' }, m.detail),
      ),
    ),
  );
}

skuSelect.addEventListener('change', () => {
  if (state.report) renderForecast();
});
$('sku-form').addEventListener('submit', (event) => event.preventDefault());

startPage(load);
