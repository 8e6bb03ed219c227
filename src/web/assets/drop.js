// Drop page (creator): forecast ranges per region, units per hub vs capacity, supplier orders on a
// timeline, lead-time delta per region, plan version and status; run forecast, compute, compare, publish.
import { api, ApiError, DEMO_DROP_ID, el, fmt, getKey, kpi, param, setState, table } from './api.js';
import { demandRangeChart, hubCapacityChart, leadTimeDeltaChart, supplierTimelineChart } from './charts.js';
import { drawRegionMap, SCALES } from './map.js';
import { startPage } from './page.js';
import { createWhatIf } from './whatif.js';

const dropId = param('drop', DEMO_DROP_ID);
const enc = encodeURIComponent;
const $ = (id) => document.getElementById(id);

const panels = {
  drop: $('drop-panel'),
  forecast: $('forecast-panel'),
  hubs: $('hubs-panel'),
  orders: $('orders-panel'),
  delta: $('delta-panel'),
  issues: $('issues-panel'),
  compare: $('compare-panel'),
  map: $('map-panel'),
  whatIf: $('whatif-panel'),
  community: $('community-panel'),
};
const planPanels = [panels.hubs, panels.orders, panels.delta, panels.issues];
/** Panels that load() fills; the comparison panel shows only the last comparison asked for. */
const dataPanels = [panels.drop, panels.forecast, panels.map, panels.whatIf, panels.community, ...planPanels];
const buttons = {
  forecast: $('run-forecast'),
  plan: $('compute-plan'),
  publish: $('publish-plan'),
  compare: $('compare-plans'),
};
const actionStatus = $('action-status');
for (const link of [$('report-link'), $('nav-report')]) link.href = `/app/report.html?drop=${enc(dropId)}`;
$('nav-preview').href = `/app/preview.html?drop=${enc(dropId)}`;

const state = {
  drop: null,
  plans: [],
  forecasts: [],
  selectedPlanId: param('plan') || null,
  plan: null,
  hubs: [],
  regions: [],
  suppliers: [],
  preview: null,
  busy: false,
};

/** "Los Angeles micro-hub (hub-lax)": a name beside its id wherever the catalog knows it. */
function hubName(id) {
  const hub = state.hubs.find((h) => h.id === id);
  return hub && hub.name !== id ? `${hub.name} (${id})` : id;
}
function supplierName(id) {
  const supplier = state.suppliers.find((x) => x.id === id);
  return supplier && supplier.name !== id ? `${supplier.name} (${id})` : id;
}
const nameMap = () =>
  new Map([...state.hubs.map((h) => [h.id, hubName(h.id)]), ...state.suppliers.map((x) => [x.id, supplierName(x.id)])]);

function showAction(kind, message) {
  actionStatus.dataset.kind = kind;
  actionStatus.setAttribute('role', kind === 'error' ? 'alert' : 'status');
  actionStatus.textContent = message;
}

/** A panel that has data but also something to say (e.g. "this plan places nothing"). */
function note(panel, message) {
  setState(panel, 'ready');
  const box = panel.querySelector('.state');
  box.dataset.kind = 'empty';
  box.textContent = message;
}

function setButtons() {
  const hasKey = Boolean(getKey());
  const ready = hasKey && state.drop && !state.busy;
  buttons.forecast.disabled = !ready;
  buttons.plan.disabled = !ready;
  buttons.compare.disabled = !ready || state.plans.length < 2;
  const canPublish = ready && state.plan && state.plan.status === 'draft';
  buttons.publish.disabled = !canPublish;
  buttons.publish.textContent = state.plan ? `Publish plan v${state.plan.version}` : 'Publish plan';
}

async function load() {
  document.body.dataset.ready = 'false';
  state.drop = null;
  state.plan = null;
  state.plans = [];
  setButtons();
  // A comparison describes plans as they were: hide it once anything reloads.
  panels.compare.hidden = true;
  if (!getKey()) {
    for (const panel of dataPanels) setState(panel, 'empty', 'Enter an API key above to see this drop.');
    fillPlanSelects();
    document.body.dataset.ready = 'true';
    return;
  }
  for (const panel of dataPanels) setState(panel, 'loading', 'Loading…');
  try {
    state.drop = await api(`/v1/drops/${enc(dropId)}`);
  } catch (error) {
    setState(panels.drop, 'error', error.message);
    for (const panel of dataPanels)
      if (panel !== panels.drop) setState(panel, 'empty', 'Nothing to show: the drop could not be loaded.');
    fillPlanSelects();
    document.body.dataset.ready = 'true';
    return;
  }
  $('drop-title').textContent = `${state.drop.name}`;
  document.title = `${state.drop.name} · Drop plan`;
  const [hubs, preview, plans, forecasts, regions, suppliers] = await Promise.allSettled([
    api('/v1/hubs'),
    api(`/v1/drops/${enc(dropId)}/preview`),
    api(`/v1/drops/${enc(dropId)}/plans`),
    api(`/v1/drops/${enc(dropId)}/forecasts`),
    api('/v1/regions'),
    api('/v1/suppliers'),
  ]);
  state.hubs = hubs.status === 'fulfilled' ? hubs.value.items : [];
  state.forecasts = forecasts.status === 'fulfilled' ? forecasts.value.items : [];
  state.regions = regions.status === 'fulfilled' ? regions.value.items : [];
  state.suppliers = suppliers.status === 'fulfilled' ? suppliers.value.items : [];
  state.preview = preview.status === 'fulfilled' ? preview.value : null;
  renderForecast(preview);
  renderCommunity(preview);
  if (plans.status === 'rejected') {
    state.plans = [];
    for (const panel of planPanels) setState(panel, 'error', `Plans could not be loaded: ${plans.reason.message}`);
  } else {
    state.plans = plans.value.items;
    await loadPlan();
  }
  fillPlanSelects();
  renderDropSummary();
  await renderMap();
  whatIf.render();
  setButtons();
  document.body.dataset.ready = 'true';
}

async function loadPlan() {
  const known = state.plans.some((p) => p.id === state.selectedPlanId);
  if (!known) state.selectedPlanId = state.plans[0]?.id ?? null;
  state.plan = null;
  if (!state.selectedPlanId) {
    const hint = state.forecasts.length
      ? 'No plan yet. Press “Compute plan”.'
      : 'No plan yet. Run a forecast first, then press “Compute plan”.';
    for (const panel of planPanels) setState(panel, 'empty', hint);
    return;
  }
  for (const panel of planPanels) setState(panel, 'loading', 'Loading the plan…');
  try {
    state.plan = await api(`/v1/plans/${enc(state.selectedPlanId)}`);
  } catch (error) {
    for (const panel of planPanels) setState(panel, 'error', error.message);
    return;
  }
  renderHubs(state.plan);
  renderOrders(state.plan);
  renderDelta(state.plan);
  renderIssues(state.plan);
}

function planLabel(p) {
  return `v${p.version} · ${p.status.replace('_', '-')} · ${fmt.dateTime(p.created_at)}`;
}

function fillPlanSelects() {
  const fill = (select, selected) => {
    select.replaceChildren(
      ...state.plans.map((p) => el('option', { value: p.id, selected: p.id === selected }, planLabel(p))),
    );
    if (!state.plans.length) select.append(el('option', { value: '' }, 'no plans yet'));
    select.disabled = !state.plans.length;
  };
  fill($('plan-select'), state.selectedPlanId);
  fill($('compare-a'), state.plans[1]?.id ?? state.plans[0]?.id);
  fill($('compare-b'), state.plans[0]?.id);
}

function renderDropSummary() {
  const drop = state.drop;
  const plan = state.plan;
  const forecast = state.forecasts[0];
  $('drop-meta').textContent =
    `${drop.id} · creator ${drop.creator_id} · opens ${fmt.dateTime(drop.opens_at)} · closes ${fmt.dateTime(drop.closes_at)} · promise ${drop.promise_business_days} business day(s) · drop status ${drop.status}`;
  const t = plan?.totals;
  const days = drop.promise_business_days;
  $('kpis').replaceChildren(
    kpi(
      'Forecast',
      forecast ? `v${forecast.version}${forecast.prior_only ? ' (prior only)' : ''}` : 'none yet',
      forecast
        ? `Made ${fmt.dateTime(forecast.as_of)}, ${fmt.num(forecast.lead_days, 1)} days before opening.`
        : 'Press “Run forecast”.',
      { id: 'kpi-forecast' },
    ),
    kpi(
      'Expected demand',
      forecast ? fmt.units(forecast.summary?.total_mean) : '–',
      'Units buyers are expected to order over the drop window, all SKUs and regions (forecast mean).',
      { id: 'kpi-demand', 'data-value': forecast?.summary?.total_mean ?? '' },
    ),
    kpi(
      'Plan',
      plan
        ? el('span', {}, `v${plan.version} `, el('span', { className: `badge ${plan.status}` }, plan.status))
        : 'none yet',
      plan
        ? `Computed ${fmt.dateTime(plan.created_at)} by the ${plan.solver?.name ?? ''} solver.`
        : 'Press “Compute plan”.',
      { id: 'kpi-plan', 'data-plan-id': plan?.id ?? '', 'data-plan-status': plan?.status ?? '' },
    ),
    kpi(
      'Units placed',
      t ? fmt.units(t.units_placed) : '–',
      'Stock the plan puts in micro-hubs before the drop opens.',
      {
        id: 'kpi-units',
        'data-value': t?.units_placed ?? '',
      },
    ),
    kpi(
      'Filled within promise',
      t ? fmt.pct(t.fill_rate_within_promise) : '–',
      t
        ? `${fmt.units(t.expected_units_within_promise)} of the expected demand arrive within ` +
            `${days} business day${days === 1 ? '' : 's'}.`
        : `Share of expected demand delivered within the ${days}-business-day promise.`,
      { id: 'kpi-fill', 'data-value': t?.fill_rate_within_promise ?? '' },
    ),
    kpi(
      'Plan value',
      t ? fmt.money(t.objective_value) : '–',
      'Expected margin (price − unit cost) of units delivered within the promise, minus the costs below.',
      { id: 'kpi-objective', 'data-value': t?.objective_value ?? '' },
    ),
    kpi(
      'Expected cost',
      t ? fmt.money(t.cost?.total) : '–',
      t
        ? `Fallback premium ${fmt.money(t.cost.fallback_premium)}, leftover ${fmt.money(t.cost.leftover)}, ` +
            `holding ${fmt.money(t.cost.holding)}.`
        : 'Fallback premium + leftover + holding costs.',
      { id: 'kpi-cost', 'data-value': t?.cost?.total ?? '' },
    ),
    kpi(
      'Fallback premium',
      t ? fmt.money(t.cost?.fallback_premium) : '–',
      'Extra paid for units ordered from a dearer fallback supplier (its unit cost minus the primary’s).',
      { id: 'kpi-premium', 'data-value': t?.cost?.fallback_premium ?? '' },
    ),
  );
  setState(panels.drop, 'ready');
}

function renderForecast(result) {
  const panel = panels.forecast;
  if (result.status === 'rejected') {
    setState(panel, 'error', result.reason.message);
    return;
  }
  const preview = result.value;
  const entries = Object.entries(preview.regions ?? {});
  if (!preview.forecast_id || entries.length === 0) {
    setState(panel, 'empty', 'No forecast yet. Press “Run forecast”.');
    return;
  }
  const rows = entries
    .map(([region_id, r]) => ({ region_id, ...r.demand }))
    .sort((a, b) => b.mean - a.mean || a.region_id.localeCompare(b.region_id));
  setState(panel, 'ready');
  const canvas = $('forecast-chart');
  canvas.dataset.forecastId = preview.forecast_id;
  demandRangeChart(canvas, rows);
  $('forecast-table').replaceChildren(
    table(
      'Demand per region (units)',
      [
        { label: 'Region', value: (r) => r.region_id },
        { label: 'p10', value: (r) => fmt.num(r.p10, 0), num: true },
        { label: 'median', value: (r) => fmt.num(r.p50, 0), num: true },
        { label: 'p90', value: (r) => fmt.num(r.p90, 0), num: true },
        { label: 'mean', value: (r) => fmt.num(r.mean, 1), num: true },
      ],
      rows,
    ),
  );
}

function renderHubs(plan) {
  const panel = panels.hubs;
  const snapshotHubs = plan.catalog_snapshot?.hubs ?? [];
  const byId = new Map(state.hubs.map((h) => [h.id, { id: h.id, name: h.name, capacity: h.capacity_units }]));
  for (const h of snapshotHubs)
    byId.set(h.id, { id: h.id, name: byId.get(h.id)?.name ?? h.id, capacity: h.capacity_units });
  for (const a of plan.allocations)
    if (!byId.has(a.hub_id)) byId.set(a.hub_id, { id: a.hub_id, name: a.hub_id, capacity: 0 });
  const hubs = [...byId.values()].sort((a, b) => a.id.localeCompare(b.id));
  if (!hubs.length) {
    setState(panel, 'empty', 'No hubs in the catalog.');
    return;
  }
  const skus = [
    ...new Set([...(plan.catalog_snapshot?.skus ?? []).map((s) => s.id), ...plan.allocations.map((a) => a.sku_id)]),
  ].sort();
  const units = new Map(plan.allocations.map((a) => [`${a.hub_id}|${a.sku_id}`, a.units]));
  const placed = (hubId) => plan.allocations.filter((a) => a.hub_id === hubId).reduce((s, a) => s + a.units, 0);
  if (plan.allocations.length === 0)
    note(panel, `Plan v${plan.version} places no units at hubs (see “What the plan could not do”).`);
  else setState(panel, 'ready');
  hubCapacityChart($('hubs-chart'), hubs, skus, units);
  $('hubs-table').replaceChildren(
    table(
      'Units placed per hub',
      [
        { label: 'Hub', value: (h) => hubName(h.id) },
        { label: 'Placed', value: (h) => fmt.num(placed(h.id), 0), num: true },
        { label: 'Capacity', value: (h) => fmt.num(h.capacity, 0), num: true },
        { label: 'Used', value: (h) => (h.capacity ? fmt.pct(placed(h.id) / h.capacity) : '–'), num: true },
      ],
      hubs,
    ),
  );
}

function renderOrders(plan) {
  const panel = panels.orders;
  const orders = [...plan.supplier_orders].sort((a, b) => a.line_no - b.line_no);
  if (!orders.length) {
    setState(panel, 'empty', `Plan v${plan.version} orders nothing from suppliers.`);
    return;
  }
  setState(panel, 'ready');
  supplierTimelineChart(
    $('orders-chart'),
    orders,
    state.drop.opens_at,
    'days relative to the drop opening (0 = opens)',
    nameMap(),
  );
  $('orders-table').replaceChildren(
    table(
      'Supplier orders',
      [
        { label: '#', value: (o) => o.line_no, num: true },
        { label: 'Supplier', value: (o) => supplierName(o.supplier_id) },
        { label: 'Kind', value: (o) => (o.is_fallback ? 'fallback' : 'primary') },
        { label: 'SKU', value: (o) => o.sku_id },
        { label: 'Units', value: (o) => fmt.num(o.quantity, 0), num: true },
        { label: 'To hub', value: (o) => hubName(o.destination_hub_id) },
        { label: 'Ship by', value: (o) => o.ship_by.slice(0, 10) },
        { label: 'Arrive by', value: (o) => o.arrive_by.slice(0, 10) },
        { label: 'Premium', value: (o) => (o.is_fallback ? fmt.money(o.premium) : '–'), num: true },
        { label: 'Reason', value: (o) => o.reason },
      ],
      orders,
    ),
  );
}

/** Per region, the mean over SKUs of the plan's lead-time delta (null where no hub serves). */
function regionDeltas(plan) {
  const groups = new Map();
  for (const r of plan.regions) {
    const g = groups.get(r.region_id) ?? {
      region_id: r.region_id,
      deltas: [],
      baseline: r.baseline_days,
      hubs: new Set(),
    };
    if (r.lead_time_delta_days !== null && r.lead_time_delta_days !== undefined) g.deltas.push(r.lead_time_delta_days);
    if (r.serving_hub_id) g.hubs.add(r.serving_hub_id);
    groups.set(r.region_id, g);
  }
  return [...groups.values()].map((g) => ({
    region_id: g.region_id,
    delta: g.deltas.length ? g.deltas.reduce((s, d) => s + d, 0) / g.deltas.length : null,
    baseline: g.baseline,
    hubs: [...g.hubs].sort(),
  }));
}

function renderDelta(plan) {
  const panel = panels.delta;
  const all = regionDeltas(plan);
  const rows = all
    .filter((r) => r.delta !== null)
    .sort((a, b) => b.delta - a.delta || a.region_id.localeCompare(b.region_id));
  const none = all
    .filter((r) => r.delta === null)
    .map((r) => r.region_id)
    .sort();
  if (!rows.length) {
    setState(panel, 'empty', 'No region is served by a hub in this plan, so there is no lead-time gain to show.');
    return;
  }
  setState(panel, 'ready');
  leadTimeDeltaChart($('delta-chart'), rows);
  $('delta-unserved').textContent = none.length
    ? `No hub lane within reach (baseline path only): ${none.join(', ')}.`
    : '';
  $('delta-table').replaceChildren(
    table(
      'Lead-time delta per region',
      [
        { label: 'Region', value: (r) => r.region_id },
        { label: 'Delta (days)', value: (r) => fmt.signed(r.delta), num: true },
        { label: 'Baseline (days)', value: (r) => fmt.num(r.baseline, 1), num: true },
        { label: 'Serving hub', value: (r) => r.hubs.map(hubName).join(', ') || '–' },
      ],
      rows,
    ),
  );
}

/** Tier fill rates and the queue per region, from the creator's preview (tier_reserves, regions[].queue). */
function renderCommunity(preview) {
  const panel = panels.community;
  const body = $('community-body');
  if (preview.status === 'rejected') {
    setState(panel, 'error', `The preview could not be loaded: ${preview.reason.message}`);
    body.replaceChildren();
    return;
  }
  const tiers = tierFill(preview.value.tier_reserves ?? []);
  const queues = Object.entries(preview.value.regions)
    .filter(([, r]) => r.queue)
    .map(([regionId, r]) => ({ regionId, ...r.queue, reserved: r.reserved_by_tier ?? {} }))
    .sort(
      (a, b) =>
        b.waiting_units - a.waiting_units ||
        b.units_short_p90 - a.units_short_p90 ||
        a.regionId.localeCompare(b.regionId),
    );
  if (!tiers.length && !queues.some((q) => q.waiting_entries > 0 || q.units_short_p90 > 0)) {
    setState(panel, 'empty', 'This drop has no access tiers and nobody is waiting in its queue.');
    body.replaceChildren();
    return;
  }
  setState(panel, 'ready');
  const parts = [];
  if (tiers.length)
    parts.push(
      table(
        'Tier fill rates (reserved stock taken by each tier, now)',
        [
          { label: 'Tier', value: (t) => t.tier },
          { label: 'Reserved', num: true, value: (t) => fmt.units(t.reserved) },
          { label: 'Rolled in', num: true, value: (t) => fmt.units(t.rolledIn) },
          { label: 'Taken', num: true, value: (t) => fmt.units(t.used) },
          { label: 'Fill rate', num: true, value: (t) => fmt.pct(t.fillRate) },
        ],
        tiers,
      ),
    );
  if (queues.length)
    parts.push(
      table(
        'Queue per region',
        [
          { label: 'Region', value: (q) => q.regionId },
          { label: 'Waiting', num: true, value: (q) => fmt.num(q.waiting_entries, 0) },
          { label: 'Units waiting', num: true, value: (q) => fmt.units(q.waiting_units) },
          { label: 'Short at p50', num: true, value: (q) => fmt.units(q.units_short_p50) },
          { label: 'Short at p90', num: true, value: (q) => fmt.units(q.units_short_p90) },
          {
            label: 'Reserved for tiers',
            value: (q) =>
              Object.entries(q.reserved)
                .map(([tier, units]) => `${tier} ${fmt.units(units)}`)
                .join(', ') || '–',
          },
        ],
        queues,
      ),
    );
  body.replaceChildren(...parts);
}

/** Per tier, in the preview's order: reserved, rolled in and taken over its reserves, and the fill rate. */
function tierFill(reserves) {
  const byTier = new Map();
  for (const r of reserves) {
    const t = byTier.get(r.tier) ?? { tier: r.tier, reserved: 0, rolledIn: 0, used: 0 };
    t.reserved += r.reserved;
    t.rolledIn += r.rolled_in;
    t.used += r.used;
    byTier.set(r.tier, t);
  }
  return [...byTier.values()].map((t) => ({
    ...t,
    fillRate: t.reserved + t.rolledIn > 0 ? t.used / (t.reserved + t.rolledIn) : null,
  }));
}

function renderIssues(plan) {
  const panel = panels.issues;
  const body = $('issues-body');
  const unserved = plan.unserved_regions ?? [];
  const skuIssues = plan.sku_issues ?? [];
  if (!unserved.length && !skuIssues.length) {
    setState(panel, 'ok', `Plan v${plan.version}: every region and SKU is served.`);
    body.replaceChildren();
    return;
  }
  setState(panel, 'ready');
  const parts = [];
  if (skuIssues.length) {
    parts.push(
      table(
        'SKU issues',
        [
          { label: 'SKU', value: (i) => i.sku_id },
          { label: 'Reason', value: (i) => i.reason },
          { label: 'Detail', value: (i) => i.detail },
        ],
        skuIssues,
      ),
    );
  }
  if (unserved.length) {
    parts.push(
      table(
        'Regions not served within the promise',
        [
          { label: 'Region', value: (u) => u.region_id },
          { label: 'Reason', value: (u) => u.reason },
          { label: 'Expected demand', value: (u) => fmt.num(u.expected_demand_units, 1), num: true },
          { label: 'Detail', value: (u) => u.detail },
        ],
        unserved,
      ),
    );
  }
  body.replaceChildren(...parts);
}

async function act(label, fn) {
  state.busy = true;
  setButtons();
  showAction('loading', label);
  try {
    const message = await fn();
    showAction('ok', message);
  } catch (error) {
    showAction('error', error instanceof ApiError ? error.message : `Something went wrong: ${error.message}`);
  } finally {
    state.busy = false;
    setButtons();
  }
}

buttons.forecast.addEventListener('click', () =>
  act('Running the forecast…', async () => {
    const forecast = await api(`/v1/drops/${enc(dropId)}/forecasts`, { method: 'POST' });
    await load();
    return `Forecast v${forecast.version} stored: ${fmt.num(forecast.summary?.total_mean)} units expected across ${forecast.summary?.regions ?? '?'} regions${forecast.prior_only ? ' (prior only: no signals yet)' : ''}.`;
  }),
);

buttons.plan.addEventListener('click', () =>
  act('Computing a plan…', async () => {
    const plan = await api(`/v1/drops/${enc(dropId)}/plans`, { method: 'POST', body: {} });
    state.selectedPlanId = plan.id;
    await load();
    return `Plan v${plan.version} computed (${plan.status}): ${fmt.num(plan.totals.units_placed, 0)} units placed, ${fmt.pct(plan.totals.fill_rate_within_promise)} filled within the promise.`;
  }),
);

buttons.publish.addEventListener('click', () =>
  act('Publishing…', async () => {
    const id = state.plan?.id;
    if (!id) throw new Error('no plan selected');
    const plan = await api(`/v1/plans/${enc(id)}/publish`, { method: 'POST' });
    state.selectedPlanId = plan.id;
    await load();
    return `Plan v${plan.version} is ${plan.status}. Partners and storefronts now see it.`;
  }),
);

$('plan-select').addEventListener('change', async (event) => {
  state.selectedPlanId = event.target.value;
  await loadPlan();
  renderDropSummary();
  await renderMap();
  whatIf.render();
  setButtons();
});

$('compare-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const a = $('compare-a').value;
  const b = $('compare-b').value;
  act('Comparing plans…', async () => {
    panels.compare.hidden = false;
    setState(panels.compare, 'loading', 'Comparing…');
    try {
      const cmp = await api(`/v1/plans/compare?a=${enc(a)}&b=${enc(b)}`);
      renderComparison(cmp);
      return `Compared plan v${cmp.a.version} with v${cmp.b.version}.`;
    } catch (error) {
      setState(panels.compare, 'error', error.message);
      throw error;
    }
  });
});

function renderComparison(cmp) {
  const metrics = [
    { label: 'Filled within promise', d: cmp.fill_rate_within_promise, f: fmt.pct },
    { label: 'Units within promise (expected)', d: cmp.expected_units_within_promise, f: (v) => fmt.num(v, 1) },
    { label: 'Units placed', d: cmp.units_placed, f: (v) => fmt.num(v, 0) },
    { label: 'Expected cost', d: cmp.cost_total, f: fmt.money, money: true },
    { label: 'Plan value', d: cmp.objective_value, f: fmt.money, money: true },
  ];
  const regionChanges = cmp.regions.filter(
    (r) => r.serving_hub_id_a !== r.serving_hub_id_b || r.in_stock_probability.delta !== 0,
  );
  const parts = [
    table(
      `Plan v${cmp.a.version} (A, ${cmp.a.status}) vs v${cmp.b.version} (B, ${cmp.b.status})`,
      [
        { label: 'Measure', value: (m) => m.label },
        { label: 'A', value: (m) => m.f(m.d.a), num: true },
        { label: 'B', value: (m) => m.f(m.d.b), num: true },
        {
          label: 'B − A',
          value: (m) =>
            m.f === fmt.pct
              ? `${fmt.signed(m.d.delta * 100)} pts`
              : m.money
                ? fmt.signedMoney(m.d.delta)
                : fmt.signed(m.d.delta),
          num: true,
        },
      ],
      metrics,
    ),
  ];
  if (cmp.allocations.length) {
    parts.push(
      table(
        'Allocations that differ',
        [
          { label: 'SKU', value: (x) => x.sku_id },
          { label: 'Hub', value: (x) => hubName(x.hub_id) },
          { label: 'A', value: (x) => x.a, num: true },
          { label: 'B', value: (x) => x.b, num: true },
          { label: 'B − A', value: (x) => fmt.signed(x.delta), num: true },
        ],
        cmp.allocations,
      ),
    );
  } else parts.push(el('p', { className: 'muted' }, 'The two plans place the same units at every hub.'));
  parts.push(
    el(
      'p',
      { className: 'muted' },
      `${regionChanges.length} region × SKU cell(s) change serving hub or in-stock probability.`,
    ),
  );
  $('compare-body').replaceChildren(...parts);
  setState(panels.compare, 'ready');
}

/** The figures the drop page's map can show, per region of the drop's market. */
function mapRegions(metric) {
  const preview = state.preview;
  const deltas = new Map(state.plan ? regionDeltas(state.plan).map((r) => [r.region_id, r]) : []);
  const ids = new Set([...Object.keys(preview?.regions ?? {}), ...deltas.keys()]);
  const catalog = new Map(state.regions.map((r) => [r.id, r]));
  return [...ids].sort().map((id) => {
    const demand = preview?.regions?.[id]?.demand;
    const delta = deltas.get(id);
    const value = metric === 'demand' ? (demand?.mean ?? null) : (delta?.delta ?? null);
    const parts = [];
    if (demand)
      parts.push(`forecast ${fmt.units(demand.mean)} (p10–p90 ${fmt.num(demand.p10, 0)}–${fmt.num(demand.p90, 0)})`);
    if (delta)
      parts.push(delta.hubs.length ? `served by ${delta.hubs.map(hubName).join(', ')}` : 'no hub within reach');
    return {
      id,
      name: catalog.get(id)?.name ?? id,
      latitude: catalog.get(id)?.latitude ?? null,
      longitude: catalog.get(id)?.longitude ?? null,
      value,
      detail: parts.join('; '),
      servingHubIds: delta?.hubs ?? [],
      demand,
      delta: delta?.delta ?? null,
    };
  });
}

function mapHubs() {
  const plan = state.plan;
  const capacity = new Map((plan?.catalog_snapshot?.hubs ?? []).map((h) => [h.id, h.capacity_units]));
  return state.hubs.map((h) => ({
    id: h.id,
    name: h.name,
    latitude: h.latitude,
    longitude: h.longitude,
    lanes: h.lanes,
    capacity: capacity.get(h.id) ?? h.capacity_units,
    placed: (plan?.allocations ?? []).filter((a) => a.hub_id === h.id).reduce((sum, a) => sum + a.units, 0),
  }));
}

const metricOf = () => document.querySelector('input[name="map-metric"]:checked')?.value ?? 'demand';

async function renderMap() {
  const panel = panels.map;
  const metric = metricOf();
  const regions = mapRegions(metric);
  if (!regions.length) {
    setState(panel, 'empty', 'No forecast yet: run one to see demand on the map.');
    return;
  }
  setState(panel, 'ready');
  const values = regions.map((r) => r.value).filter((v) => v !== null);
  const scale =
    metric === 'demand'
      ? SCALES.units(
          values,
          'Forecast demand over the drop window, all SKUs ' +
            '(units; log steps, so one big region does not wash out the rest)',
        )
      : SCALES.delta(
          values,
          `Lead-time delta of plan v${state.plan?.version ?? '–'}: ` +
            'business days faster than the baseline path (mean over SKUs)',
        );
  const container = $('region-map');
  container.dataset.metric = metric;
  try {
    await drawRegionMap(container, {
      id: 'drop-map',
      title: `${state.drop.name}: ${metric === 'demand' ? 'forecast demand' : 'lead-time delta'} by region`,
      description:
        `${regions.length} regions coloured by ${scale.caption}. ` +
        'The same figures are in the table “Regions as a table”.',
      regions,
      hubs: state.plan ? mapHubs() : mapHubs().map((h) => ({ ...h, placed: 0 })),
      scale,
    });
  } catch (error) {
    setState(panel, 'error', `The map could not be drawn: ${error.message}`);
    return;
  }
  $('map-table').replaceChildren(
    table(
      'Regions: forecast demand and lead-time delta',
      [
        { label: 'Region', value: (r) => (r.name !== r.id ? `${r.name} (${r.id})` : r.id) },
        { label: 'Demand (units)', value: (r) => fmt.num(r.demand?.mean, 1), num: true },
        {
          label: 'p10–p90',
          value: (r) => (r.demand ? `${fmt.num(r.demand.p10, 0)}–${fmt.num(r.demand.p90, 0)}` : '–'),
          num: true,
        },
        { label: 'Delta (days)', value: (r) => fmt.signed(r.delta), num: true },
        { label: 'Serving hub', value: (r) => r.servingHubIds.map(hubName).join(', ') || '–' },
      ],
      [...regions].sort((a, b) => (b.demand?.mean ?? 0) - (a.demand?.mean ?? 0) || a.id.localeCompare(b.id)),
    ),
  );
}

for (const radio of document.querySelectorAll('input[name="map-metric"]'))
  radio.addEventListener('change', () => void renderMap());

const whatIf = createWhatIf({
  panel: panels.whatIf,
  dropId,
  state,
  hubName,
  onSaved: async (draft) => {
    state.selectedPlanId = draft.id;
    await load();
    showAction('ok', `What-if saved as draft v${draft.version}: it is now the plan shown; publish it from Actions.`);
  },
});

startPage(load);
