// Regional preview page (issue 19; creators, admin, storefronts once published): GET /v1/drops/{id}/preview
// on a map and in a table. Hubs (capacity and placed units) are drawn for keys that may read hubs and plans.
import { api, ApiError, DEMO_DROP_ID, fmt, getKey, keyRole, kpi, param, setState, table } from './api.js';
import { drawRegionMap, SCALES } from './map.js';
import { startPage } from './page.js';

const dropId = param('drop', DEMO_DROP_ID);
const enc = encodeURIComponent;
const $ = (id) => document.getElementById(id);
const panels = { preview: $('preview-panel'), map: $('map-panel') };
const state = { drop: null, preview: null, regions: [], hubs: [], plan: null };
$('nav-drop').href = `/app/drop.html?drop=${enc(dropId)}`;
$('nav-report').href = `/app/report.html?drop=${enc(dropId)}`;

async function load() {
  document.body.dataset.ready = 'false';
  Object.assign(state, { drop: null, preview: null, hubs: [], plan: null });
  if (!getKey()) {
    for (const panel of Object.values(panels)) setState(panel, 'empty', 'Enter an API key above to see the preview.');
    document.body.dataset.ready = 'true';
    return;
  }
  if (keyRole() === 'partner') {
    for (const panel of Object.values(panels))
      setState(
        panel,
        'empty',
        'The regional preview is for creators and storefronts; a partner key sees its hubs on “Partner allocations”.',
      );
    document.body.dataset.ready = 'true';
    return;
  }
  for (const panel of Object.values(panels)) setState(panel, 'loading', 'Loading…');
  try {
    [state.drop, state.preview, state.regions] = await Promise.all([
      api(`/v1/drops/${enc(dropId)}`),
      api(`/v1/drops/${enc(dropId)}/preview`),
      api('/v1/regions').then((r) => r.items),
    ]);
  } catch (error) {
    setState(
      panels.preview,
      'error',
      error instanceof ApiError && error.status === 404
        ? `${error.message} A storefront sees a drop's preview once its plan is published.`
        : error.message,
    );
    setState(panels.map, 'empty', 'Nothing to show.');
    document.body.dataset.ready = 'true';
    return;
  }
  // Hubs and the plan's placed units: only keys that may read them (creators and admin), so no request fails.
  if (['admin', 'creator'].includes(keyRole())) {
    state.hubs = (await api('/v1/hubs')).items;
    if (state.preview.plan) state.plan = await api(`/v1/plans/${enc(state.preview.plan.id)}`);
  }
  renderSummary();
  await renderMap();
  document.body.dataset.ready = 'true';
}

function rows() {
  const names = new Map(state.regions.map((r) => [r.id, r]));
  return Object.entries(state.preview.regions)
    .map(([id, r]) => ({
      id,
      name: names.get(id)?.name ?? id,
      latitude: names.get(id)?.latitude ?? null,
      longitude: names.get(id)?.longitude ?? null,
      ...r,
    }))
    .sort((a, b) => b.demand.mean - a.demand.mean || a.id.localeCompare(b.id));
}

function renderSummary() {
  const { drop, preview } = state;
  $('preview-title').textContent = `Regional preview: ${drop.name}`;
  document.title = `${drop.name} · Regional preview`;
  $('preview-meta').textContent =
    `${drop.id} · opens ${fmt.dateTime(drop.opens_at)} · promise ${drop.promise_business_days} business day(s)`;
  const all = rows();
  const served = all.filter((r) => r.delivery_days_p50 !== null && r.delivery_days_p50 <= drop.promise_business_days);
  const demand = all.reduce((sum, r) => sum + r.demand.mean, 0);
  const servedDemand = served.reduce((sum, r) => sum + r.demand.mean, 0);
  $('kpis').replaceChildren(
    kpi(
      'Plan',
      preview.plan ? `v${preview.plan.version} (${preview.plan.status})` : 'none yet',
      preview.plan ? 'The plan this preview rests on.' : 'No plan yet: regions show demand only.',
      { id: 'kpi-plan' },
    ),
    kpi(
      'Expected demand',
      fmt.units(demand),
      'Units buyers are expected to order over the drop window, all regions and SKUs.',
      { id: 'kpi-demand', 'data-value': demand },
    ),
    kpi(
      'Regions within the promise',
      `${served.length} of ${all.length}`,
      `Regions whose median delivery is within ${drop.promise_business_days} business day(s): ` +
        `${fmt.pct(demand ? servedDemand / demand : 0)} of the demand.`,
      { id: 'kpi-served' },
    ),
    kpi(
      'Units at serving hubs',
      fmt.units(all.reduce((sum, r) => sum + r.units_placed_at_serving_hubs, 0)),
      'Stock placed at the hubs that serve these regions (a hub serving several regions counts once per region).',
      { id: 'kpi-units' },
    ),
  );
  setState(panels.preview, 'ready');
}

const METRIC_NAMES = { demand: 'forecast demand', delta: 'lead-time delta', risk: 'stock-out risk' };
const deliveryText = (r) =>
  r.delivery_days_p50 === null
    ? 'by the baseline path'
    : `in ${fmt.range(r.delivery_days_p50, r.delivery_days_p90)} business days`;

const metricOf = () => document.querySelector('input[name="map-metric"]:checked')?.value ?? 'demand';

async function renderMap() {
  const metric = metricOf();
  const all = rows();
  if (!state.preview.forecast_id || !all.length) {
    setState(panels.map, 'empty', 'No forecast yet, so there is nothing to map.');
    return;
  }
  setState(panels.map, 'ready');
  const valueOf = (r) =>
    metric === 'demand' ? r.demand.mean : metric === 'delta' ? r.lead_time_delta_days : r.stock_out_risk;
  const values = all.map(valueOf).filter((v) => v !== null);
  const scale =
    metric === 'demand'
      ? SCALES.units(values, 'Forecast demand over the drop window, all SKUs (units; log steps)')
      : metric === 'delta'
        ? SCALES.delta(
            values,
            'Lead-time delta: business days faster than the baseline path (the slowest SKU of the region)',
          )
        : SCALES.risk(values, 'Stock-out risk: 1 − the lowest in-stock probability over the region’s SKUs');
  const placed = (hubId) =>
    (state.plan?.allocations ?? []).filter((a) => a.hub_id === hubId).reduce((s, a) => s + a.units, 0);
  const hubNames = new Map(state.hubs.map((h) => [h.id, h.name]));
  await drawRegionMap($('region-map'), {
    id: 'preview-map',
    title: `${state.drop.name}: regional preview, ${METRIC_NAMES[metric]}`,
    description: `${all.length} regions coloured by ${scale.caption}. The table below the map has the same figures.`,
    regions: all.map((r) => ({
      ...r,
      value: valueOf(r),
      servingHubIds: [...new Set(r.skus.map((s) => s.serving_hub_id).filter(Boolean))],
      detail: `forecast ${fmt.units(r.demand.mean)}, delivery ${deliveryText(r)}`,
    })),
    hubs: state.hubs.map((h) => ({ ...h, capacity: h.capacity_units, placed: placed(h.id) })),
    scale,
  });
  $('region-map').dataset.metric = metric;
  const hubText = (r) =>
    [...new Set(r.skus.map((s) => s.serving_hub_id).filter(Boolean))]
      .map((id) => (hubNames.get(id) ? `${hubNames.get(id)} (${id})` : id))
      .join(', ') || '–';
  $('preview-table').replaceChildren(
    table(
      'Regions: demand, delivery and stock-out risk',
      [
        { label: 'Region', value: (r) => (r.name !== r.id ? `${r.name} (${r.id})` : r.id) },
        { label: 'Demand (units)', value: (r) => fmt.num(r.demand.mean, 1), num: true },
        { label: 'p10–p90', value: (r) => `${fmt.num(r.demand.p10, 0)}–${fmt.num(r.demand.p90, 0)}`, num: true },
        {
          label: 'Delivery (business days)',
          value: (r) =>
            r.delivery_days_p50 === null ? 'baseline' : fmt.range(r.delivery_days_p50, r.delivery_days_p90),
          num: true,
        },
        { label: 'Delta (days)', value: (r) => fmt.signed(r.lead_time_delta_days), num: true },
        { label: 'Stock-out risk', value: (r) => fmt.pct(r.stock_out_risk), num: true },
        { label: 'Serving hubs', value: hubText },
      ],
      all,
    ),
  );
}

for (const radio of document.querySelectorAll('input[name="map-metric"]'))
  radio.addEventListener(
    'change',
    () => void renderMap().catch((error) => setState(panels.map, 'error', error.message)),
  );

startPage(load);
