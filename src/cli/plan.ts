import { AppError } from '../http/app-error';
import type { Schemas } from '../http/contract';
import { exitOnHelp, fail, failRun, parseFlags, withServices } from './cli-context';

const usage = `Usage:
  npm run plan -- --drop-id DROP_ID [--solver auto|fast|lp] [--json]
      compute and store a draft plan from the drop's latest forecast, and print it
  npm run plan -- --plan-id PLAN_ID [--json]
      print a stored plan`;

exitOnHelp(usage);
const { flags } = parseFlags(process.argv.slice(2));
const text = (name: string) => (typeof flags[name] === 'string' ? (flags[name] as string) : undefined);
// Flags are named as in the API (drop_id, plan_id); the shorter --drop and --plan still work.
const dropId = text('drop-id') ?? text('drop');
const planId = text('plan-id') ?? text('plan');
const solver = text('solver') ?? 'auto';
if ((!dropId && !planId) || !['auto', 'fast', 'lp'].includes(solver)) fail(usage);

const num = (v: number | null, digits = 1) => (v === null ? '—' : v.toFixed(digits));

function table(headers: string[], rows: (string | number)[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells: (string | number)[]) =>
    cells
      .map((c, i) => String(c).padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

function render(plan: Schemas['Plan']): string {
  const t = plan.totals;
  const out = [
    `Plan ${plan.id} — drop ${plan.drop_id}, version ${plan.version}, ${plan.status}, forecast ${plan.forecast_id ?? '—'}, solver ${plan.solver.name}`,
    `Expected demand ${num(t.expected_demand_units)}; within the promise ${num(t.expected_units_within_promise)} (fill rate ${(t.fill_rate_within_promise * 100).toFixed(1)}%); units placed ${t.units_placed}`,
    `Cost ${num(t.cost.total, 2)} (shipping ${num(t.cost.shipping ?? 0, 2)}, inbound ${num(t.cost.inbound ?? 0, 2)}, fallback premium ${num(t.cost.fallback_premium, 2)}, leftover ${num(t.cost.leftover, 2)}, holding ${num(t.cost.holding, 2)}); objective (expected margin) ${num(t.objective_value, 2)}`,
    '',
    'Allocations',
    table(
      ['sku', 'hub', 'units', 'expected leftover at hub'],
      plan.allocations.map((a) => [a.sku_id, a.hub_id, a.units, num(t.expected_leftover_by_hub[a.hub_id] ?? 0)]),
    ),
    '',
    'Supplier orders',
    table(
      ['#', 'supplier', 'sku', 'qty', 'to hub', 'ship by', 'arrive by', 'kind'],
      plan.supplier_orders.map((o) => [
        o.line_no,
        o.supplier_id,
        o.sku_id,
        o.quantity,
        o.destination_hub_id,
        o.ship_by.slice(0, 10),
        o.arrive_by.slice(0, 10),
        o.is_fallback ? `fallback (${o.reason})` : 'primary',
      ]),
    ),
    '',
    'Regions',
    table(
      ['region', 'sku', 'serving hub', 'in stock', 'days p50', 'days p90', 'baseline', 'delta'],
      plan.regions.map((r) => [
        r.region_id,
        r.sku_id,
        r.serving_hub_id ?? '— none —',
        `${(r.in_stock_probability * 100).toFixed(0)}%`,
        num(r.delivery_days_p50, 0),
        num(r.delivery_days_p90, 0),
        num(r.baseline_days, 0),
        num(r.lead_time_delta_days, 0),
      ]),
    ),
  ];
  if (plan.unserved_regions.length > 0)
    out.push(
      '',
      'Unserved',
      ...plan.unserved_regions.map((u) => `  ${u.region_id} (${u.reason}): ${u.sku_ids.join(', ')} — ${u.detail}`),
    );
  if (plan.sku_issues.length > 0)
    out.push('', 'SKU issues', ...plan.sku_issues.map((i) => `  ${i.sku_id} (${i.reason}): ${i.detail}`));
  return `${out.join('\n')}\n`;
}

try {
  await withServices(async ({ allocation }) => {
    const admin = { keyId: 'cli', role: 'admin' } as const;
    const plan = planId
      ? await allocation.getPlan(admin, planId)
      : await allocation.computePlan(admin, dropId!, { solver: solver as 'auto' | 'fast' | 'lp' });
    process.stdout.write(flags.json ? `${JSON.stringify(plan, null, 2)}\n` : render(plan));
  });
} catch (error) {
  if (error instanceof AppError)
    failRun(
      `${error.detail}${error.options.errors ? `\n${error.options.errors.map((e) => `  ${e.path}: ${e.message}`).join('\n')}` : ''}`,
    );
  throw error;
}
