// Partner page: the published plan's allocations and inbound supplier orders for the hubs the
// key's partner operates, with a CSV download of the same rows.
import { api, DEMO_DROP_ID, el, fmt, getKey, keyRole, kpi, param, setState, table } from './api.js';
import { hubCapacityChart, supplierTimelineChart } from './charts.js';
import { startPage } from './page.js';

const $ = (id) => document.getElementById(id);
const panels = { summary: $('summary-panel'), alloc: $('alloc-panel'), inbound: $('inbound-panel') };
const dropInput = $('drop-id');
const partnerInput = $('partner-id');
const csvStatus = $('csv-status');
dropInput.value = param('drop', DEMO_DROP_ID);
partnerInput.value = param('partner', '');

const isAdmin = () => keyRole() === 'admin';

/** The partner id field is for admin keys only (the API refuses it from a partner key). */
function showPartnerField() {
  const admin = isAdmin();
  $('partner-id-field').hidden = !admin;
  $('partner-id-hint').hidden = !admin;
  partnerInput.disabled = !admin;
}

function query(format) {
  const q = new URLSearchParams({ drop_id: dropInput.value.trim() });
  if (isAdmin() && partnerInput.value.trim()) q.set('partner_id', partnerInput.value.trim());
  if (format) q.set('format', format);
  return `/v1/partner/allocations?${q}`;
}

function showCsv(kind, message) {
  csvStatus.dataset.kind = kind;
  csvStatus.setAttribute('role', kind === 'error' ? 'alert' : 'status');
  csvStatus.textContent = message;
}

async function load() {
  document.body.dataset.ready = 'false';
  showPartnerField();
  $('download-csv').disabled = !getKey();
  $('load-allocations').disabled = !getKey();
  if (!getKey()) {
    for (const panel of Object.values(panels)) setState(panel, 'empty', 'Enter an API key above to see allocations.');
    document.body.dataset.ready = 'true';
    return;
  }
  for (const panel of Object.values(panels)) setState(panel, 'loading', 'Loading…');
  const dropId = dropInput.value.trim();
  // Admin and creator keys can see whether the drop has a published plan at all: ask that first, so a
  // drop without one shows a plain message instead of a failed request.
  if (['admin', 'creator'].includes(keyRole())) {
    let published;
    try {
      const plans = await api(`/v1/drops/${encodeURIComponent(dropId)}/plans`);
      published = plans.items.some((p) => p.status === 'published');
    } catch (error) {
      setState(panels.summary, 'error', error.message);
      setState(panels.alloc, 'empty', 'Nothing to show.');
      setState(panels.inbound, 'empty', 'Nothing to show.');
      document.body.dataset.ready = 'true';
      return;
    }
    if (!published) {
      setState(
        panels.summary,
        'empty',
        `Drop ${dropId} has no published plan yet: partners see it once one is published.`,
      );
      setState(panels.alloc, 'empty', 'Nothing to show.');
      setState(panels.inbound, 'empty', 'Nothing to show.');
      document.body.dataset.ready = 'true';
      return;
    }
  }
  let plan;
  try {
    plan = await api(query());
  } catch (error) {
    setState(
      panels.summary,
      'error',
      error.status === 404
        ? `${error.message} A partner sees a drop once a published plan uses its hubs.`
        : error.message,
    );
    setState(panels.alloc, 'empty', 'Nothing to show.');
    setState(panels.inbound, 'empty', 'Nothing to show.');
    document.body.dataset.ready = 'true';
    return;
  }
  // Capacities and names (partner and admin keys may read hubs and partners; creators may read hubs).
  const [hubs, partners] = await Promise.all([
    api('/v1/hubs').then((r) => r.items),
    ['admin', 'partner'].includes(keyRole()) ? api('/v1/partners').then((r) => r.items) : [],
  ]);
  render(plan, hubs, partners);
  document.body.dataset.ready = 'true';
}

function render(plan, hubs, partners) {
  const total = plan.allocations.reduce((s, a) => s + a.units, 0);
  const hubById = new Map(hubs.map((h) => [h.id, h]));
  const hubName = (id) => (hubById.get(id) && hubById.get(id).name !== id ? `${hubById.get(id).name} (${id})` : id);
  const partnerName = (id) => {
    const p = partners.find((x) => x.id === id);
    return p && p.name !== id ? `${p.name} (${id})` : id;
  };
  const operators = [...new Set(plan.hub_ids.map((id) => hubById.get(id)?.operator_partner_id).filter(Boolean))];
  const arriving = plan.supplier_orders.reduce((s, o) => s + o.quantity, 0);
  $('kpis').replaceChildren(
    kpi('Drop', plan.drop_id, 'The drop whose published plan this is.', { id: 'kpi-drop' }),
    kpi('Plan', `v${plan.version} (published)`, `Published ${fmt.dateTime(plan.published_at)}.`, { id: 'kpi-plan' }),
    kpi('Partner', operators.map(partnerName).join(', ') || '–', 'Who operates the hubs below.', {
      id: 'kpi-partner',
      className: 'kpi-long',
    }),
    kpi('Hubs', plan.hub_ids.map(hubName).join(', ') || '–', 'The hubs this view covers.', {
      id: 'kpi-hubs',
      className: 'kpi-long',
      'data-hub-ids': plan.hub_ids.join(','),
    }),
    kpi('Units to hold', fmt.units(total), 'Units of the drop to have on the shelf at these hubs before opening.', {
      id: 'kpi-units',
      'data-value': total,
    }),
    kpi(
      'Inbound orders',
      `${fmt.num(plan.supplier_orders.length, 0)} (${fmt.units(arriving)})`,
      'Supplier order lines arriving at these hubs, with their units.',
      { id: 'kpi-orders', 'data-value': plan.supplier_orders.length },
    ),
  );
  setState(panels.summary, 'ready');

  const capacity = new Map(hubs.map((h) => [h.id, h.capacity_units]));
  const hubRows = plan.hub_ids.map((id) => ({
    id,
    name: hubById.get(id)?.name ?? id,
    capacity: capacity.get(id) ?? 0,
  }));
  if (!plan.allocations.length) {
    setState(
      panels.alloc,
      'empty',
      `Plan v${plan.version} places no units at your hubs (${plan.hub_ids.join(', ') || 'none'}).`,
    );
  } else {
    setState(panels.alloc, 'ready');
    const skus = [...new Set(plan.allocations.map((a) => a.sku_id))].sort();
    hubCapacityChart(
      $('alloc-chart'),
      hubRows,
      skus,
      new Map(plan.allocations.map((a) => [`${a.hub_id}|${a.sku_id}`, a.units])),
    );
    $('alloc-table').replaceChildren(
      table(
        'Allocations',
        [
          { label: 'Hub', value: (a) => hubName(a.hub_id) },
          { label: 'SKU', value: (a) => a.sku_id },
          { label: 'Units', value: (a) => fmt.num(a.units, 0), num: true },
        ],
        [...plan.allocations].sort((a, b) => a.hub_id.localeCompare(b.hub_id) || a.sku_id.localeCompare(b.sku_id)),
      ),
    );
  }

  const orders = [...plan.supplier_orders].sort((a, b) => a.line_no - b.line_no);
  if (!orders.length) {
    setState(panels.inbound, 'empty', 'No supplier orders arrive at your hubs in this plan.');
  } else {
    setState(panels.inbound, 'ready');
    const first = orders.reduce((m, o) => (o.ship_by < m ? o.ship_by : m), orders[0].ship_by);
    supplierTimelineChart(
      $('inbound-chart'),
      orders,
      first,
      `days from the first ship-by date (${first.slice(0, 10)})`,
      new Map(hubs.map((h) => [h.id, hubName(h.id)])),
    );
    $('inbound-table').replaceChildren(
      table(
        'Inbound supplier orders',
        [
          { label: '#', value: (o) => o.line_no, num: true },
          { label: 'Supplier', value: (o) => o.supplier_id },
          { label: 'Kind', value: (o) => (o.is_fallback ? 'fallback' : 'primary') },
          { label: 'SKU', value: (o) => o.sku_id },
          { label: 'Units', value: (o) => fmt.num(o.quantity, 0), num: true },
          { label: 'Hub', value: (o) => hubName(o.destination_hub_id) },
          { label: 'Ship by', value: (o) => o.ship_by.slice(0, 10) },
          { label: 'Arrive by', value: (o) => o.arrive_by.slice(0, 10) },
        ],
        orders,
      ),
    );
  }
}

$('partner-form').addEventListener('submit', (event) => {
  event.preventDefault();
  showCsv('ready', '');
  void load();
});

$('download-csv').addEventListener('click', async () => {
  if (!dropInput.reportValidity()) return;
  showCsv('loading', 'Preparing the CSV…');
  try {
    const csv = await api(query('csv'), { accept: 'text/csv' });
    const name = `allocations-${dropInput.value.trim()}.csv`;
    const url = URL.createObjectURL(new Blob([csv], { type: 'text/csv' }));
    const link = el('a', { href: url, download: name, className: 'visually-hidden' }, name);
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
    const rows = csv.trim().split('\n').length - 1;
    showCsv('ok', `Downloaded ${name} (${rows} row${rows === 1 ? '' : 's'}).`);
  } catch (error) {
    showCsv('error', error.message);
  }
});

startPage(load);
