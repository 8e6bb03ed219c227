// Delivery-estimate tester: the window a storefront would show for a SKU and a region or postal code.
import { api, el, fmt, getKey, keyRole, kpi, param, setState } from './api.js';
import { COLORS, windowChart } from './charts.js';
import { startPage } from './page.js';

const $ = (id) => document.getElementById(id);
const formPanel = $('form-panel');
const resultPanel = $('result-panel');
const form = $('estimate-form');
const submit = $('estimate-submit');
/** Hub names for the source (keys that may read hubs; a storefront sees the id). */
let hubNames = new Map();

async function load() {
  document.body.dataset.ready = 'false';
  submit.disabled = !getKey();
  if (!getKey()) {
    setState(formPanel, 'empty', 'Enter an API key above to load SKUs and regions.');
    setState(resultPanel, 'empty', 'No estimate yet.');
    document.body.dataset.ready = 'true';
    return;
  }
  setState(formPanel, 'loading', 'Loading SKUs and regions…');
  setState(resultPanel, 'empty', 'No estimate yet: choose a SKU and where to deliver, then press “Estimate delivery”.');
  try {
    const [drops, regions, hubs] = await Promise.all([
      api('/v1/drops'),
      api('/v1/regions'),
      ['admin', 'creator'].includes(keyRole()) ? api('/v1/hubs').then((r) => r.items) : [],
    ]);
    hubNames = new Map(hubs.map((h) => [h.id, h.name]));
    const skuLists = await Promise.all(
      drops.items.map((d) =>
        api(`/v1/drops/${encodeURIComponent(d.id)}/skus`).then((r) => ({ drop: d, skus: r.items })),
      ),
    );
    const skuSelect = $('sku');
    const wanted = param('sku');
    skuSelect.replaceChildren(
      ...skuLists.map(({ drop, skus }) =>
        el(
          'optgroup',
          { label: drop.name },
          skus.map((s) => el('option', { value: s.id, selected: s.id === wanted }, `${s.name} (${s.id})`)),
        ),
      ),
    );
    const regionSelect = $('region');
    const wantedRegion = param('region', 'US-CA');
    regionSelect.replaceChildren(
      el('option', { value: '' }, '— choose a region —'),
      ...regions.items.map((r) =>
        el('option', { value: r.id, selected: r.id === wantedRegion }, `${r.name} (${r.id})`),
      ),
    );
    if (!skuSelect.options.length) {
      setState(formPanel, 'empty', 'This key sees no SKUs.');
      submit.disabled = true;
    } else setState(formPanel, 'ready');
  } catch (error) {
    setState(formPanel, 'error', error.message);
    submit.disabled = true;
  }
  document.body.dataset.ready = 'true';
}

function daysText(min, max) {
  return min === max ? `${min} business day${min === 1 ? '' : 's'}` : `${min}–${max} business days`;
}

function render(estimate) {
  const windowEl = $('estimate-window');
  const chartBox = $('window-chart').parentElement;
  resultPanel.dataset.status = estimate.status;
  if (estimate.status !== 'promise') {
    setState(resultPanel, 'ready');
    windowEl.textContent = `No delivery promise for ${estimate.sku_id} to ${estimate.region_id}`;
    $('estimate-kpis').replaceChildren(
      kpi('Reason', estimate.reason.replaceAll('_', ' '), 'Why no source can promise a date.', { id: 'est-reason' }),
      kpi('Available', fmt.units(estimate.quantity_available), 'Units a source could still deliver.', {
        id: 'est-available',
      }),
      kpi('Detail', estimate.detail, '', { id: 'est-detail', className: 'kpi-long' }),
    );
    window.Chart?.getChart($('window-chart'))?.destroy();
    chartBox.hidden = true;
    return;
  }
  setState(resultPanel, 'ready');
  chartBox.hidden = false;
  const sameDay = estimate.earliest_delivery === estimate.latest_delivery;
  windowEl.textContent = sameDay
    ? `Arrives ${fmt.day(estimate.earliest_delivery)} (${estimate.earliest_delivery}, ${estimate.region_id} local date)`
    : `Arrives ${fmt.day(estimate.earliest_delivery)} – ${fmt.day(estimate.latest_delivery)} (${estimate.earliest_delivery} to ${estimate.latest_delivery}, ${estimate.region_id} local dates)`;
  windowEl.dataset.earliest = estimate.earliest_delivery;
  windowEl.dataset.latest = estimate.latest_delivery;
  const delta = estimate.lead_time_delta;
  const source = estimate.source;
  const sourceName = hubNames.get(source.id);
  const transit =
    estimate.transit_days_min === estimate.transit_days_max
      ? `${estimate.transit_days_min}`
      : `${estimate.transit_days_min}–${estimate.transit_days_max}`;
  $('estimate-kpis').replaceChildren(
    kpi(
      'Source',
      `${source.type}: ${source.id}`,
      sourceName ? `${sourceName}: where the units ship from.` : 'Where the units ship from.',
      { id: 'est-source' },
    ),
    kpi('Window', daysText(estimate.days_min, estimate.days_max), 'Business days from the order to delivery.', {
      id: 'est-days',
    }),
    kpi(
      'Handling + transit',
      `${estimate.handling_days} + ${transit} days`,
      'Business days at the source before it ships, then on the way.',
      { id: 'est-parts' },
    ),
    kpi(
      'Faster than baseline',
      delta ? `${fmt.signed(delta.earliest)} / ${fmt.signed(delta.latest)} days` : '–',
      'Business days gained over the no-hub path, at the earliest / latest end of the window.',
      { id: 'est-delta' },
    ),
    kpi(
      'Meets the promise',
      `${estimate.meets_promise ? 'yes' : 'no'} (${estimate.promise_business_days} days)`,
      'Whether the latest day is within the drop’s delivery promise.',
      { id: 'est-promise' },
    ),
    kpi(
      'Cutoff applied',
      estimate.cutoff_applied ? 'yes: starts next business day' : 'no',
      'An order after the hub’s local cutoff starts the next business day.',
      { id: 'est-cutoff' },
    ),
    kpi('Valid until', fmt.dateTime(estimate.expires_at), 'The estimate holds until the next cutoff.', {
      id: 'est-expires',
    }),
  );
  const rows = [
    {
      label: `This estimate (${source.id})`,
      min: estimate.days_min,
      max: estimate.days_max,
      color: COLORS.brand,
    },
  ];
  if (estimate.baseline)
    rows.push({
      label: 'Baseline path',
      min: estimate.baseline.days_min,
      max: estimate.baseline.days_max,
      color: COLORS.capacity,
    });
  rows.push({ label: 'Promise', min: 1, max: estimate.promise_business_days, color: COLORS.good });
  windowChart($('window-chart'), rows);
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const postal = $('postal-code').value.trim();
  const region = $('region').value;
  const q = new URLSearchParams({ sku_id: $('sku').value, quantity: $('quantity').value || '1' });
  if (postal) q.set('postal_code', postal);
  else if (region) q.set('region_id', region);
  else {
    setState(resultPanel, 'error', 'Choose a region or enter a postal code.');
    $('region').focus();
    return;
  }
  setState(resultPanel, 'loading', 'Estimating…');
  submit.disabled = true;
  try {
    render(await api(`/v1/estimates?${q}`));
  } catch (error) {
    setState(resultPanel, 'error', error.message);
  } finally {
    submit.disabled = !getKey();
  }
});

startPage(load);
