// The drop page's what-if panel (issue 19): demand multipliers (drop-wide and per region), hub capacity or
// closure, fallback suppliers on or off. The planner computes the result through
// POST /v1/drops/{id}/plans/what-if; it is shown beside the plan shown (GET /v1/plans/compare) and can be
// saved as the next draft (POST /v1/plans/{id}/save-as-draft). The controls sit in a grid with room for
// one more group (a cost shift, once plans have shipping costs).
import { api, ApiError, el, fmt, setState, table } from './api.js';

const $ = (id) => document.getElementById(id);
const enc = encodeURIComponent;

/** Suppliers that no SKU of the plan has as its primary: "fallback off" makes these unavailable. */
export function fallbackSupplierIds(plan) {
  const skus = plan?.catalog_snapshot?.skus ?? [];
  const primaries = new Set(skus.map((s) => s.sourcing?.[0]?.supplier_id).filter(Boolean));
  const all = new Set(skus.flatMap((s) => (s.sourcing ?? []).map((o) => o.supplier_id)));
  return [...all].filter((id) => !primaries.has(id)).sort();
}

export function createWhatIf({ panel, dropId, state, hubName, onSaved }) {
  const form = $('whatif-form');
  const status = $('whatif-status');
  const result = $('whatif-result');
  const regionRows = $('wi-region-rows');
  const hubRows = $('wi-hub-rows');
  const saveButton = $('wi-save');
  let regionCounter = 0;
  let whatIfPlan = null;

  function say(kind, message) {
    status.dataset.kind = kind;
    status.setAttribute('role', kind === 'error' ? 'alert' : 'status');
    status.textContent = message;
  }

  function marketRegions() {
    const names = new Map(state.regions.map((r) => [r.id, r.name]));
    const ids = new Set([
      ...Object.keys(state.preview?.regions ?? {}),
      ...(state.plan?.regions ?? []).map((r) => r.region_id),
    ]);
    return [...ids].map((id) => ({ id, name: names.get(id) ?? id })).sort((a, b) => a.name.localeCompare(b.name));
  }

  function addRegionRow(regionId = '', percent = 130) {
    const n = ++regionCounter;
    const regions = marketRegions();
    const select = el(
      'select',
      { id: `wi-region-${n}`, className: 'wi-region' },
      regions.map((r) => el('option', { value: r.id, selected: r.id === regionId }, `${r.name} (${r.id})`)),
    );
    const input = el('input', {
      id: `wi-region-pct-${n}`,
      className: 'wi-region-pct',
      type: 'number',
      min: 0,
      max: 1000,
      step: 5,
      value: percent,
    });
    const remove = el(
      'button',
      { type: 'button', className: 'secondary small', 'aria-label': `Remove region ${n}` },
      '✕',
    );
    const row = el(
      'div',
      { className: 'wi-row' },
      el('div', { className: 'field' }, el('label', { for: select.id }, `Region ${n}`), select),
      el('div', { className: 'field narrow' }, el('label', { for: input.id }, '% of forecast'), input),
      remove,
    );
    remove.addEventListener('click', () => row.remove());
    regionRows.append(row);
    return row;
  }

  function baseCapacity(hubId) {
    const snap = (state.plan?.catalog_snapshot?.hubs ?? []).find((h) => h.id === hubId);
    return snap?.capacity_units ?? state.hubs.find((h) => h.id === hubId)?.capacity_units ?? 0;
  }

  function render() {
    result.hidden = true;
    whatIfPlan = null;
    say('ready', '');
    if (!state.drop) return;
    if (!state.plan) {
      setState(panel, 'empty', 'Compute a plan first: a what-if is computed beside the plan shown.');
      return;
    }
    setState(panel, 'ready');
    regionRows.replaceChildren();
    regionCounter = 0;
    const hubs = state.hubs.length ? state.hubs : (state.plan.catalog_snapshot?.hubs ?? []);
    hubRows.replaceChildren(
      ...hubs.map((h) => {
        const input = el('input', {
          id: `wi-hub-${h.id}`,
          className: 'wi-hub-capacity',
          'data-hub': h.id,
          type: 'number',
          min: 0,
          step: 10,
          value: baseCapacity(h.id),
        });
        const closed = el('input', { id: `wi-hub-closed-${h.id}`, type: 'checkbox', 'data-hub': h.id });
        closed.addEventListener('change', () => (input.disabled = closed.checked));
        return el(
          'div',
          { className: 'wi-row' },
          el('div', { className: 'field' }, el('label', { for: input.id }, hubName(h.id)), input),
          el('label', { className: 'check', for: closed.id }, closed, ' closed'),
        );
      }),
    );
    const fallbacks = fallbackSupplierIds(state.plan);
    const names = new Map(state.suppliers.map((x) => [x.id, x.name]));
    $('wi-fallback').disabled = fallbacks.length === 0;
    $('wi-fallback-hint').textContent = fallbacks.length
      ? `Fallback: ${fallbacks.map((id) => (names.get(id) ? `${names.get(id)} (${id})` : id)).join(', ')}. ` +
        'Unticked, the plan may use primary suppliers only.'
      : 'This drop has no fallback supplier.';
  }

  /** The overrides the form describes (empty when nothing differs from the plan shown). */
  function overrides() {
    const o = {};
    const drop = Number($('wi-demand-drop').value);
    const regions = [...regionRows.querySelectorAll('.wi-row')]
      .map((row) => ({
        region_id: row.querySelector('select').value,
        multiplier: Number(row.querySelector('input').value) / 100,
      }))
      .filter((r) => r.region_id && r.multiplier !== 1);
    const seen = new Set();
    const unique = regions.filter((r) => !seen.has(r.region_id) && seen.add(r.region_id));
    if (drop !== 100 || unique.length) {
      o.demand_multipliers = {};
      if (drop !== 100) o.demand_multipliers.drop = drop / 100;
      if (unique.length) o.demand_multipliers.regions = unique;
    }
    const capacities = [...hubRows.querySelectorAll('.wi-hub-capacity')]
      .map((input) => {
        const hub = input.dataset.hub;
        const closed = $(`wi-hub-closed-${hub}`).checked;
        return { hub_id: hub, capacity_units: closed ? 0 : Math.max(0, Math.round(Number(input.value))) };
      })
      .filter((h) => h.capacity_units !== baseCapacity(h.hub_id));
    if (capacities.length) o.hub_capacities = capacities;
    if (!$('wi-fallback').checked) {
      const fallbacks = fallbackSupplierIds(state.plan);
      if (fallbacks.length) o.unavailable_supplier_ids = fallbacks;
    }
    return o;
  }

  function renderResult(cmp, current, next) {
    const rows = [
      {
        id: 'within',
        label: 'Units within promise (expected)',
        a: current.totals.expected_units_within_promise,
        b: next.totals.expected_units_within_promise,
        f: (v) => fmt.units(v),
        d: (v) => fmt.signed(v),
      },
      {
        id: 'fill',
        label: 'Filled within promise',
        a: current.totals.fill_rate_within_promise,
        b: next.totals.fill_rate_within_promise,
        f: fmt.pct,
        d: (v) => `${fmt.signed(v * 100)} pts`,
      },
      {
        id: 'demand',
        label: 'Expected demand',
        a: current.totals.expected_demand_units,
        b: next.totals.expected_demand_units,
        f: (v) => fmt.units(v),
        d: (v) => fmt.signed(v),
      },
      {
        id: 'placed',
        label: 'Units placed at hubs',
        a: current.totals.units_placed,
        b: next.totals.units_placed,
        f: (v) => fmt.units(v),
        d: (v) => fmt.signed(v),
      },
      {
        id: 'cost',
        label: 'Expected cost',
        a: current.totals.cost.total,
        b: next.totals.cost.total,
        f: fmt.money,
        d: fmt.signedMoney,
      },
      {
        id: 'premium',
        label: 'Fallback premium',
        a: current.totals.cost.fallback_premium,
        b: next.totals.cost.fallback_premium,
        f: fmt.money,
        d: fmt.signedMoney,
      },
      {
        id: 'value',
        label: 'Plan value',
        a: current.totals.objective_value,
        b: next.totals.objective_value,
        f: fmt.money,
        d: fmt.signedMoney,
      },
      {
        id: 'unserved',
        label: 'Regions not served within the promise',
        a: current.unserved_regions.length,
        b: next.unserved_regions.length,
        f: (v) => fmt.num(v, 0),
        d: (v) => fmt.signed(v),
      },
    ];
    const t = table(
      `Plan v${current.version} (${current.status}) beside the what-if v${next.version}`,
      [
        { label: 'Measure', value: (r) => r.label },
        { label: `Plan v${current.version}`, value: (r) => r.f(r.a), num: true },
        { label: 'What-if', value: (r) => r.f(r.b), num: true },
        { label: 'Change', value: (r) => r.d(r.b - r.a), num: true },
      ],
      rows,
    );
    t.querySelectorAll('tbody tr').forEach((tr, i) => {
      tr.id = `wi-row-${rows[i].id}`;
      tr.dataset.a = String(rows[i].a);
      tr.dataset.b = String(rows[i].b);
    });
    $('whatif-table').replaceChildren(t);
    $('whatif-changes').replaceChildren(
      cmp.allocations.length
        ? table(
            'Allocations that change',
            [
              { label: 'SKU', value: (x) => x.sku_id },
              { label: 'Hub', value: (x) => hubName(x.hub_id) },
              { label: `Plan v${current.version}`, value: (x) => fmt.num(x.a, 0), num: true },
              { label: 'What-if', value: (x) => fmt.num(x.b, 0), num: true },
              { label: 'Change', value: (x) => fmt.signed(x.delta), num: true },
            ],
            cmp.allocations,
          )
        : el('p', { className: 'muted' }, 'The what-if places the same units at every hub.'),
    );
    result.hidden = false;
    result.dataset.planId = next.id;
    saveButton.disabled = false;
    saveButton.textContent = 'Save as draft';
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const current = state.plan;
    if (!current) return;
    const body = { overrides: overrides() };
    if (Object.keys(body.overrides).length === 0) {
      say('error', 'Nothing to try: change demand, a hub or the fallback first.');
      return;
    }
    const submit = $('wi-compute');
    submit.disabled = true;
    say('loading', 'Computing the what-if…');
    try {
      const next = await api(`/v1/drops/${enc(dropId)}/plans/what-if`, { method: 'POST', body });
      const cmp = await api(`/v1/plans/compare?a=${enc(current.id)}&b=${enc(next.id)}`);
      whatIfPlan = next;
      renderResult(cmp, current, next);
      say('ok', `What-if v${next.version} computed beside plan v${current.version}.`);
    } catch (error) {
      result.hidden = true;
      say('error', error instanceof ApiError ? error.message : `Something went wrong: ${error.message}`);
    } finally {
      submit.disabled = false;
    }
  });

  form.addEventListener('reset', () => {
    // After the browser resets the static fields: rebuild the rows from the plan shown.
    setTimeout(render, 0);
  });

  $('wi-add-region').addEventListener('click', () => {
    const row = addRegionRow(marketRegions()[0]?.id ?? '');
    row.querySelector('select').focus();
  });

  saveButton.addEventListener('click', async () => {
    if (!whatIfPlan) return;
    saveButton.disabled = true;
    say('loading', 'Saving as a draft…');
    try {
      const draft = await api(`/v1/plans/${enc(whatIfPlan.id)}/save-as-draft`, { method: 'POST' });
      await onSaved(draft);
      say('ok', `Saved as draft v${draft.version}: it is now the plan shown. Publish it from Actions when ready.`);
    } catch (error) {
      saveButton.disabled = false;
      say('error', error instanceof ApiError ? error.message : `Something went wrong: ${error.message}`);
    }
  });

  return { render, addRegionRow };
}
