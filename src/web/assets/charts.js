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

/**
 * Where a value axis should stop when one bar dwarfs the rest: if the largest value is more than 2.5
 * times the second, at 1.3 times the second (rounded up to a readable number); else undefined (the
 * whole range). The clipped bar is drawn to the edge with an arrow and its value (clipLabels).
 */
export function clippedMax(values) {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => b - a);
  if (sorted.length < 3 || !(sorted[1] > 0) || sorted[0] <= 2.5 * sorted[1]) return undefined;
  const target = sorted[1] * 1.3;
  const magnitude = 10 ** Math.floor(Math.log10(target));
  return Math.ceil(target / (magnitude / 2)) * (magnitude / 2);
}

/** Draws "▸ 1,234 units" at the right edge for bars of dataset 0 that run past the axis maximum. */
const clipLabels = {
  id: 'clipLabels',
  afterDatasetsDraw(chart, _args, options) {
    const max = chart.scales.x?.max;
    const meta = chart.getDatasetMeta(0);
    if (!Number.isFinite(max) || !meta) return;
    const { ctx, chartArea } = chart;
    ctx.save();
    ctx.font = `600 12px ${Chart.defaults.font.family}`;
    ctx.fillStyle = COLORS.ink;
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    chart.data.datasets[0].data.forEach((value, i) => {
      const end = Array.isArray(value) ? value[1] : value;
      if (!(end > max)) return;
      const bar = meta.data[i];
      const text = `▸ ${options.format ? options.format(value) : end}`;
      const width = ctx.measureText(text).width + 8;
      ctx.fillStyle = 'rgba(255, 255, 255, 0.9)';
      ctx.fillRect(chartArea.right - width, bar.y - 9, width, 18);
      ctx.fillStyle = COLORS.ink;
      ctx.fillText(text, chartArea.right - 4, bar.y);
    });
    ctx.restore();
  },
};

/** Writes a label at the end of each bar of the given datasets (e.g. the units of an order line). */
const barLabels = {
  id: 'barLabels',
  afterDatasetsDraw(chart, _args, options) {
    if (!options.text) return;
    const { ctx } = chart;
    ctx.save();
    ctx.font = `600 11px ${Chart.defaults.font.family}`;
    ctx.fillStyle = COLORS.ink;
    ctx.textBaseline = 'middle';
    chart.data.datasets.forEach((dataset, d) => {
      const meta = chart.getDatasetMeta(d);
      if (meta.hidden) return;
      dataset.data.forEach((value, i) => {
        if (value === null || value === undefined) return;
        const bar = meta.data[i];
        const text = options.text(i, d);
        if (!bar || !text) return;
        const right = Math.max(bar.x, bar.base);
        const width = ctx.measureText(text).width;
        if (right + width + 6 <= chart.chartArea.right) {
          ctx.textAlign = 'left';
          ctx.fillText(text, right + 4, bar.y);
          return;
        }
        // No room after the bar: inside its end, on a white box so it reads on any fill.
        ctx.fillStyle = 'rgba(255, 255, 255, 0.92)';
        ctx.fillRect(right - width - 8, bar.y - 8, width + 6, 16);
        ctx.fillStyle = COLORS.ink;
        ctx.textAlign = 'right';
        ctx.fillText(text, right - 5, bar.y);
      });
    });
    ctx.restore();
  },
};

/** Diagonal stripes, so a fallback order differs from a primary one without colour too. */
function stripes(color) {
  const size = 8;
  const tile = document.createElement('canvas');
  tile.width = size;
  tile.height = size;
  const ctx = tile.getContext('2d');
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, size, size);
  ctx.strokeStyle = color;
  ctx.lineWidth = 3;
  ctx.beginPath();
  ctx.moveTo(0, size);
  ctx.lineTo(size, 0);
  ctx.moveTo(-size / 2, size / 2);
  ctx.lineTo(size / 2, -size / 2);
  ctx.moveTo(size / 2, size * 1.5);
  ctx.lineTo(size * 1.5, size / 2);
  ctx.stroke();
  return ctx.createPattern(tile, 'repeat');
}

/** Ids without the prefix they all share ("sku-nova-hoodie", "sku-nova-cap" → "hoodie", "cap"). */
export function shortIds(ids) {
  const unique = [...new Set(ids)];
  if (unique.length < 2) return new Map(unique.map((id) => [id, id]));
  let prefix = unique[0];
  for (const id of unique) while (!id.startsWith(prefix)) prefix = prefix.slice(0, -1);
  prefix = prefix.slice(0, prefix.lastIndexOf('-') + 1);
  return new Map(unique.map((id) => [id, id.slice(prefix.length) || id]));
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
  const max = clippedMax(rows.map((r) => r.p90));
  canvas.dataset.axisMax = max === undefined ? '' : String(max);
  return draw(canvas, {
    plugins: [clipLabels],
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
        x: {
          beginAtZero: true,
          max,
          title: {
            display: true,
            text:
              max === undefined
                ? 'units of demand in the drop window'
                : 'units of demand (axis cut: ▸ marks a longer bar)',
          },
        },
        y: { ticks: { autoSkip: false } },
      },
      plugins: {
        clipLabels: { format: (v) => `p90 ${Math.round(v[1]).toLocaleString('en-US')} units` },
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
    plugins: [barLabels],
    options: {
      indexAxis: 'y',
      scales: {
        x: { stacked: true, beginAtZero: true, title: { display: true, text: 'units (bar length = hub capacity)' } },
        y: { stacked: true },
      },
      plugins: {
        legend: { position: 'bottom' },
        barLabels: {
          text: (i, d) => (d === datasets.length - 1 ? `${placed[i]}/${hubs[i].capacity}` : ''),
        },
        tooltip: {
          callbacks: {
            title: (items) => {
              const h = hubs[items[0].dataIndex];
              return h.name && h.name !== h.id ? `${h.name} (${h.id})` : h.id;
            },
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
 * to `originIso` (0 = the drop opens; negative = before). Primary solid blue, fallback striped orange,
 * each bar labelled with its units; row labels shortened on narrow screens (the table has them all).
 * names: optional Map id → name for suppliers and hubs (tooltips).
 */
export function supplierTimelineChart(
  canvas,
  orders,
  originIso,
  axisLabel = 'days relative to the drop opening (0 = opens)',
  names = new Map(),
) {
  const origin = new Date(originIso).getTime();
  const toDay = (iso) => Math.round(((new Date(iso).getTime() - origin) / DAY_MS) * 10) / 10;
  const sku = shortIds(orders.map((o) => o.sku_id));
  const hub = shortIds(orders.map((o) => o.destination_hub_id));
  const narrow = canvas.parentElement.clientWidth < 520;
  const labels = orders.map((o) =>
    narrow
      ? `#${o.line_no} ${sku.get(o.sku_id)}`
      : `#${o.line_no} ${sku.get(o.sku_id)} → ${hub.get(o.destination_hub_id)}`,
  );
  const span = (o) => [toDay(o.ship_by), toDay(o.arrive_by)];
  const name = (id) => names.get(id) ?? id;
  return draw(canvas, {
    type: 'bar',
    plugins: [barLabels],
    data: {
      labels,
      datasets: [
        {
          label: 'primary supplier',
          data: orders.map((o) => (o.is_fallback ? null : span(o))),
          backgroundColor: COLORS.brand,
          borderColor: COLORS.brand,
          borderWidth: 1,
          minBarLength: 3,
        },
        {
          label: 'fallback supplier',
          data: orders.map((o) => (o.is_fallback ? span(o) : null)),
          backgroundColor: stripes(COLORS.fallback),
          borderColor: COLORS.fallback,
          borderWidth: 2,
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
        barLabels: { text: (i) => `${orders[i].quantity} u` },
        legend: { position: 'bottom' },
        tooltip: {
          callbacks: {
            title: (items) => {
              const o = orders[items[0].dataIndex];
              return `#${o.line_no} ${o.sku_id} → ${name(o.destination_hub_id)}`;
            },
            label: (ctx) => {
              const o = orders[ctx.dataIndex];
              return `${o.quantity} units from ${name(o.supplier_id)}: ship by ${o.ship_by.slice(0, 10)}, arrive by ${o.arrive_by.slice(0, 10)} (${o.reason})`;
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

/**
 * Delivery windows as business-day ranges: this estimate vs the baseline, with the promise. A window
 * of days min..max covers the business days on which the parcel may arrive, so its bar runs from
 * min − 1 to max: a one-day window ("day 2") is one day wide, never a sliver.
 */
export function windowChart(canvas, rows) {
  return draw(canvas, {
    type: 'bar',
    data: {
      labels: rows.map((r) => r.label),
      datasets: [
        {
          label: 'business days on which it may arrive',
          data: rows.map((r) => [Math.max(0, r.min - 1), r.max]),
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
          title: { display: true, text: 'business days after the order (a bar covers the days it may arrive on)' },
        },
      },
      plugins: {
        legend: { display: false },
        tooltip: {
          callbacks: {
            label: (ctx) => {
              const r = rows[ctx.dataIndex];
              return r.min === r.max ? `business day ${r.max}` : `business days ${r.min} to ${r.max}`;
            },
          },
        },
      },
    },
  });
}
