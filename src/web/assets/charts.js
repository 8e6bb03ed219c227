// Chart.js (served from node_modules at /app/vendor/chart.js/chart.umd.js as the global `Chart`)
// configured once, and one function per chart the pages draw. Each chart also gets a data table
// next to it (see the pages), so the numbers are readable without the picture.

const Chart = window.Chart;

export const COLORS = {
  brand: '#1d4ed8',
  brandLight: 'rgba(29, 78, 216, 0.35)',
  fallback: '#c2410c',
  capacity: '#9ca3af',
  ink: '#111827',
  good: '#15803d',
  bad: '#b91c1c',
  median: '#111827',
};
/** Distinguishable SKU colours (blue, teal, purple, amber, pink) with ≥ 3:1 against white. */
export const SERIES = ['#1d4ed8', '#0f766e', '#7e22ce', '#b45309', '#be185d', '#4d7c0f'];

if (Chart) {
  Chart.defaults.color = COLORS.ink;
  Chart.defaults.font.family = "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif";
  Chart.defaults.font.size = 12;
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.responsive = true;
  // No animation: the first frame is the final picture (screenshots, reduced motion).
  Chart.defaults.animation = false;
}

function draw(canvas, config) {
  if (!Chart) throw new Error('The chart library did not load');
  Chart.getChart(canvas)?.destroy();
  const chart = new Chart(canvas, config);
  canvas.dataset.rendered = 'true';
  return chart;
}

/**
 * Demand per region: a floating bar from p10 to p90, the median (p50) and the mean as markers.
 * rows: [{ region_id, name, p10, p50, p90, mean }], sorted by the caller.
 */
export function demandRangeChart(canvas, rows) {
  return draw(canvas, {
    type: 'bar',
    data: {
      labels: rows.map((r) => r.region_id),
      datasets: [
        {
          type: 'bar',
          label: 'p10–p90 range (units)',
          data: rows.map((r) => [r.p10, r.p90]),
          backgroundColor: COLORS.brandLight,
          borderColor: COLORS.brand,
          borderWidth: 1,
          minBarLength: 3,
          order: 2,
        },
        {
          type: 'line',
          label: 'median (p50)',
          data: rows.map((r) => r.p50),
          showLine: false,
          pointStyle: 'line',
          pointRotation: 90,
          pointRadius: 9,
          pointBorderWidth: 3,
          borderColor: COLORS.median,
          backgroundColor: COLORS.median,
          order: 1,
        },
        {
          type: 'line',
          label: 'mean',
          data: rows.map((r) => r.mean),
          showLine: false,
          pointStyle: 'circle',
          pointRadius: 4,
          borderColor: COLORS.fallback,
          backgroundColor: COLORS.fallback,
          order: 0,
        },
      ],
    },
    options: {
      indexAxis: 'y',
      scales: {
        x: { beginAtZero: true, title: { display: true, text: 'units of demand in the drop window' } },
        y: { ticks: { autoSkip: false } },
      },
      plugins: {
        legend: { position: 'bottom' },
        tooltip: {
          callbacks: {
            label: (ctx) => {
              const r = rows[ctx.dataIndex];
              if (ctx.datasetIndex === 0) return `p10 ${r.p10} – p90 ${r.p90} units`;
              if (ctx.datasetIndex === 1) return `median ${r.p50}`;
              return `mean ${Math.round(r.mean * 10) / 10}`;
            },
          },
        },
      },
    },
  });
}

/**
 * Units placed per hub against its capacity: one bar per hub as long as its capacity, filled by the
 * units placed (stacked by SKU) and grey for the capacity left unused.
 * hubs: [{ id, name, capacity }]; skus: [sku_id]; units: Map `${hub}|${sku}` → units.
 */
export function hubCapacityChart(canvas, hubs, skus, units) {
  const placed = hubs.map((h) => skus.reduce((sum, sku) => sum + (units.get(`${h.id}|${sku}`) ?? 0), 0));
  const datasets = skus.map((sku, i) => ({
    label: `placed: ${sku}`,
    data: hubs.map((h) => units.get(`${h.id}|${sku}`) ?? 0),
    backgroundColor: SERIES[i % SERIES.length],
  }));
  datasets.push({
    label: 'unused capacity',
    data: hubs.map((h, i) => Math.max(0, h.capacity - placed[i])),
    backgroundColor: 'rgba(156, 163, 175, 0.35)',
    borderColor: '#6b7280',
    borderWidth: 1,
  });
  return draw(canvas, {
    type: 'bar',
    data: { labels: hubs.map((h) => h.id), datasets },
    options: {
      indexAxis: 'y',
      scales: {
        x: { stacked: true, beginAtZero: true, title: { display: true, text: 'units (bar length = hub capacity)' } },
        y: { stacked: true },
      },
      plugins: {
        legend: { position: 'bottom' },
        tooltip: {
          callbacks: {
            footer: (items) => {
              const i = items[0].dataIndex;
              return `${placed[i]} of ${hubs[i].capacity} units placed`;
            },
          },
        },
      },
    },
  });
}

const DAY_MS = 86_400_000;

/**
 * Supplier orders on a timeline: one bar per order line from ship-by to arrive-by, in days relative
 * to the drop's opening (0 = opens; negative = before). Primary and fallback in two colours.
 */
export function supplierTimelineChart(
  canvas,
  orders,
  originIso,
  axisLabel = 'days relative to the drop opening (0 = opens)',
) {
  const origin = new Date(originIso).getTime();
  const toDay = (iso) => Math.round(((new Date(iso).getTime() - origin) / DAY_MS) * 10) / 10;
  const labels = orders.map((o) => `#${o.line_no} ${o.sku_id} → ${o.destination_hub_id}`);
  const span = (o) => [toDay(o.ship_by), toDay(o.arrive_by)];
  return draw(canvas, {
    type: 'bar',
    data: {
      labels,
      datasets: [
        {
          label: 'primary supplier',
          data: orders.map((o) => (o.is_fallback ? null : span(o))),
          backgroundColor: COLORS.brand,
          minBarLength: 3,
        },
        {
          label: 'fallback supplier',
          data: orders.map((o) => (o.is_fallback ? span(o) : null)),
          backgroundColor: COLORS.fallback,
          minBarLength: 3,
        },
      ],
    },
    options: {
      indexAxis: 'y',
      skipNull: true,
      scales: {
        x: { title: { display: true, text: axisLabel }, suggestedMax: 0 },
        y: { stacked: true, ticks: { autoSkip: false } },
      },
      plugins: {
        legend: { position: 'bottom' },
        tooltip: {
          callbacks: {
            label: (ctx) => {
              const o = orders[ctx.dataIndex];
              return `${o.quantity} units from ${o.supplier_id}: ship by ${o.ship_by.slice(0, 10)}, arrive by ${o.arrive_by.slice(0, 10)} (${o.reason})`;
            },
          },
        },
      },
    },
  });
}

/** Lead-time delta per region, ranked: baseline days − planned days (positive = faster). */
export function leadTimeDeltaChart(canvas, rows) {
  return draw(canvas, {
    type: 'bar',
    data: {
      labels: rows.map((r) => r.region_id),
      datasets: [
        {
          label: 'days faster than baseline',
          data: rows.map((r) => r.delta),
          backgroundColor: rows.map((r) => (r.delta >= 0 ? COLORS.good : COLORS.bad)),
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
      plugins: { legend: { display: false } },
    },
  });
}

/** Delivery windows as business-day ranges: this estimate vs the baseline, with the promise. */
export function windowChart(canvas, rows) {
  return draw(canvas, {
    type: 'bar',
    data: {
      labels: rows.map((r) => r.label),
      datasets: [
        {
          label: 'business days from order',
          data: rows.map((r) => [r.min, r.max]),
          backgroundColor: rows.map((r) => r.color),
          minBarLength: 8,
        },
      ],
    },
    options: {
      indexAxis: 'y',
      scales: {
        x: {
          beginAtZero: true,
          ticks: { stepSize: 1 },
          title: { display: true, text: 'business days from the order' },
        },
      },
      plugins: { legend: { display: false } },
    },
  });
}
