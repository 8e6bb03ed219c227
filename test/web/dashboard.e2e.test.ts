import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPlannerClient, ok, type Schemas } from '../../src/client';

/**
 * The dashboard (issue 7) end to end: the real service as `npm start` runs it (child process, PGlite
 * in a temp folder, demo drop), driven by Debian's headless Chromium through playwright-core.
 * Skipped where /usr/bin/chromium is missing; .ci/run installs it so CI always runs this.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const HAS_CHROMIUM = fs.existsSync(CHROMIUM);
const SCREENSHOTS = path.resolve('reports/screenshots');
const DROP = 'drop-nova-winter';
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 900 };

interface Service {
  child: ChildProcess;
  base: string;
  adminKey: string;
  dataDir: string;
}

/** `env` overrides the service's environment (e.g. SCHEDULER=on for the post-drop report's job). */
async function startService(env: Record<string, string> = {}): Promise<Service> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mf-web-e2e-'));
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      DEMO_DATA: 'true',
      SCHEDULER: 'off',
      DATABASE_URL: '',
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  await new Promise<void>((resolve, reject) => {
    // The first start loads the demo with its closed drop (forecast, LP plan, report): allow for a busy machine.
    const timer = setTimeout(() => reject(new Error(`no banner after 150 s:\n${output}`)), 150_000);
    const check = () => {
      if (/mf_admin_[\w-]+/.test(output) && /API base\s+http:\/\/[\d.]+:\d+\/v1/.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', check);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the service exited (${code}):\n${output}`));
    });
  });
  const base = output.match(/API base\s+(http:\/\/[\d.]+:\d+)\/v1/)![1]!;
  const adminKey = output.match(/mf_admin_[\w-]+/)![0];
  return { child, base, adminKey, dataDir };
}

async function stopService(service: Service | undefined) {
  if (!service) return;
  if (service.child.exitCode === null) {
    const exited = new Promise((resolve) => service.child.once('exit', resolve));
    service.child.kill('SIGTERM');
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 15_000))]);
    if (service.child.exitCode === null) service.child.kill('SIGKILL');
  }
  fs.rmSync(service.dataDir, { recursive: true, force: true });
}

/** In-page audits as plain JS (no transpiler helpers leak into the browser). */
const AUDIT_LABELS = `(() => {
  const unlabelled = [];
  for (const el of document.querySelectorAll('input:not([type=hidden]), select, textarea')) {
    const named = (el.labels && el.labels.length > 0 && el.labels[0].textContent.trim()) || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
    if (!named) unlabelled.push(el.id || el.name || el.outerHTML.slice(0, 60));
  }
  for (const el of document.querySelectorAll('button, a[href]')) {
    if (!(el.textContent.trim() || el.getAttribute('aria-label'))) unlabelled.push(el.outerHTML.slice(0, 60));
  }
  for (const el of document.querySelectorAll('canvas')) {
    if (el.getAttribute('role') !== 'img' || !el.getAttribute('aria-label')) unlabelled.push(el.id);
  }
  return unlabelled;
})()`;

/** WCAG contrast of every visible text-bearing element's colour on its effective background. */
const AUDIT_CONTRAST = `(() => {
  const parse = (c) => { const m = c.match(/rgba?\\(([^)]+)\\)/); if (!m) return null; const p = m[1].split(',').map((x) => parseFloat(x)); return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 }; };
  const lum = (c) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }; return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b); };
  const bg = (el) => { for (let n = el; n; n = n.parentElement) { const c = parse(getComputedStyle(n).backgroundColor); if (c && c.a > 0.5) return c; } return { r: 255, g: 255, b: 255, a: 1 }; };
  const worst = [];
  const seen = new Set();
  for (const el of document.querySelectorAll('body *')) {
    if (!el.offsetParent && getComputedStyle(el).position !== 'fixed') continue;
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own) continue;
    const rect = el.getBoundingClientRect();
    if (rect.width === 0 || rect.height === 0 || rect.bottom < 0) continue;
    const fg = parse(getComputedStyle(el).color); const b = bg(el);
    const l1 = lum(fg), l2 = lum(b);
    const ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
    const key = el.tagName + ':' + ratio.toFixed(2);
    if (ratio < 4.5 && !seen.has(key)) { seen.add(key); worst.push({ tag: el.tagName, cls: el.className, text: el.textContent.trim().slice(0, 40), ratio: Math.round(ratio * 100) / 100 }); }
  }
  return worst;
})()`;

/** The hubs of a plan's catalog snapshot (free-form JSON in the contract), as these tests read them. */
function snapshotHubsOf(
  plan: Schemas['Plan'],
): { id: string; capacity_units: number; lanes: { region_id: string }[] }[] {
  return (plan.catalog_snapshot as { hubs: { id: string; capacity_units: number; lanes: { region_id: string }[] }[] })
    .hubs;
}

describe.skipIf(!HAS_CHROMIUM)(
  'the dashboard in headless Chromium, against the running service with the demo drop',
  () => {
    let service: Service;
    let context: BrowserContext;
    let profileDir: string;
    let partnerKey: string;
    const problems: string[] = [];

    /** The API as the pages read it, through the typed client (a contract change breaks this test's build). */
    const api = (on: Service = service) => createPlannerClient({ baseUrl: on.base, apiKey: on.adminKey });

    async function newPage(viewport = DESKTOP, { expectedStatuses = [] as number[] } = {}): Promise<Page> {
      const page = await context.newPage();
      // Generous: in `npm test` the service shares the CPU with every other test file.
      page.setDefaultTimeout(45_000);
      await page.setViewportSize(viewport);
      page.on('pageerror', (error) => problems.push(`pageerror ${page.url()}: ${error.message}`));
      page.on('console', (message) => {
        if (message.type() !== 'error') return;
        // Chromium logs an API refusal as a failed resource load: expected where a test provokes one.
        const status = Number(message.text().match(/status of (\d{3})/)?.[1]);
        if (expectedStatuses.includes(status)) return;
        problems.push(`console ${page.url()}: ${message.text()}`);
      });
      // Any failed request is a problem too, whether or not the page logs it (the pages must not ask for
      // what they cannot have): an error status, or a request that never completed.
      page.on('response', (res) => {
        if (res.status() >= 400 && !expectedStatuses.includes(res.status()))
          problems.push(`response ${res.status()} ${res.request().method()} ${res.url()} (page ${page.url()})`);
      });
      page.on('requestfailed', (req) => {
        const reason = req.failure()?.errorText ?? '';
        // A navigation cancels the fetches of the page it leaves: not a failure of the service.
        if (!reason.includes('ERR_ABORTED')) problems.push(`request failed ${req.url()}: ${reason}`);
      });
      return page;
    }

    interface MapRegion {
      id: string;
      value: string;
      cls: string;
      fill: string;
      tag: string;
      label: string;
    }
    /** The regions drawn on a page's map and its legend, as the page rendered them. */
    async function readMap(page: Page) {
      return page.evaluate(`(() => {
        const box = document.getElementById('region-map');
        const regions = [...box.querySelectorAll('.map-region')].map((n) => ({
          id: n.dataset.region, value: n.dataset.value, cls: n.dataset.class, fill: n.getAttribute('fill'),
          tag: n.tagName.toLowerCase(), label: n.getAttribute('aria-label') }));
        const list = box.querySelector('.legend-list');
        const legend = [...list.querySelectorAll('li')].map((li) => ({ cls: li.dataset.class, color: li.dataset.color }));
        const hubs = [...box.querySelectorAll('.map-hub')].map((n) => ({ id: n.dataset.hub,
          placed: Number(n.dataset.placed), capacity: Number(n.dataset.capacity) }));
        return { metric: box.dataset.metric, regions, legend, thresholds: JSON.parse(list.dataset.thresholds), hubs,
          title: box.querySelector('svg title').textContent, desc: box.querySelector('svg desc').textContent };
      })()`) as Promise<{
        metric: string;
        regions: MapRegion[];
        legend: { cls: string; color: string }[];
        thresholds: number[];
        hubs: { id: string; placed: number; capacity: number }[];
        title: string;
        desc: string;
      }>;
    }

    /**
     * The 1-3-10 log steps inside (min, max], as docs/dashboard.md states the unit scale (decades only
     * beyond seven classes).
     */
    function logSteps(values: number[]) {
      const min = Math.min(...values);
      const max = Math.max(...values);
      const steps: number[] = [];
      for (let decade = 1; decade <= Math.max(1, max) * 10; decade *= 10)
        for (const t of [decade, 3 * decade]) if (t > min && t <= max) steps.push(t);
      return steps.length + 1 > 7 ? steps.filter((t) => [1, 10, 100, 1000, 10_000, 100_000].includes(t)) : steps;
    }

    /**
     * Every region with a value is drawn in the legend colour of its class, the class computed here from
     * the API's number and the documented thresholds; regions without a value in the no-value colour.
     */
    function expectColoursMatch(
      map: Awaited<ReturnType<typeof readMap>>,
      expected: Map<string, number | null>,
      thresholds: number[],
    ) {
      expect(map.thresholds).toEqual(thresholds);
      expect(map.legend.filter((l) => l.cls !== 'none')).toHaveLength(thresholds.length + 1);
      const colourOf = new Map(map.legend.map((l) => [l.cls, l.color]));
      expect(new Set(colourOf.values()).size).toBe(colourOf.size);
      expect(map.regions.map((r) => r.id).sort()).toEqual([...expected.keys()].sort());
      for (const region of map.regions) {
        const value = expected.get(region.id)!;
        if (value === null) {
          expect(region.value, region.id).toBe('');
          expect(region.fill, region.id).toBe(colourOf.get('none'));
          continue;
        }
        expect(Number(region.value), region.id).toBeCloseTo(value, 9);
        const cls = thresholds.filter((t) => t <= value).length;
        expect(region.fill, `${region.id} = ${value}`).toBe(colourOf.get(String(cls)));
      }
    }

    /** Opens a page and answers its key prompt, the way a person does once per tab. */
    async function openWithKey(page: Page, pathname: string, key: string, on: Service = service) {
      await page.goto(`${on.base}${pathname}`);
      await page.getByLabel('API key', { exact: true }).fill(key);
      await page.getByRole('button', { name: 'Use this key' }).click();
      await page.waitForSelector('body[data-ready="true"]');
    }

    async function shot(page: Page, name: string) {
      await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
    }

    async function chartData(page: Page, canvasId: string) {
      return page.evaluate(
        `(() => { const c = window.Chart.getChart(document.getElementById(${JSON.stringify(canvasId)})); return c ? { labels: c.data.labels, datasets: c.data.datasets.map((d) => ({ label: d.label, data: d.data })), width: c.width, height: c.height } : null; })()`,
      ) as Promise<{
        labels: string[];
        datasets: { label: string; data: unknown[] }[];
        width: number;
        height: number;
      } | null>;
    }

    async function expectNoHorizontalScroll(page: Page) {
      const overflow = await page.evaluate('document.documentElement.scrollWidth - window.innerWidth');
      expect(overflow).toBeLessThanOrEqual(1);
    }

    beforeAll(async () => {
      fs.mkdirSync(SCREENSHOTS, { recursive: true });
      service = await startService();
      const created = await ok(
        api().POST('/v1/keys', { body: { role: 'partner', partner_id: 'partner-swiftlane', label: 'dashboard e2e' } }),
      );
      partnerKey = created.key;
      // The demo drop ships its signals (data/demo/signals.json): no seeding needed.
      profileDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mf-chromium-'));
      context = await chromium.launchPersistentContext(profileDir, {
        executablePath: CHROMIUM,
        headless: true,
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-quic',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
        ],
        acceptDownloads: true,
        viewport: DESKTOP,
      });
    }, 240_000);

    afterAll(async () => {
      await context?.close();
      if (profileDir) fs.rmSync(profileDir, { recursive: true, force: true });
      await stopService(service);
    }, 90_000);

    it('serves the pages without a key, asks for the key once with a labelled field and keeps it for the tab', async () => {
      const page = await newPage();
      const res = await page.goto(`${service.base}/app/`);
      expect(res?.status()).toBe(200);
      expect(res?.headers()['content-security-policy']).toContain("script-src 'self'");
      await expect(page.locator('#drops-panel .state').textContent()).resolves.toContain('Enter an API key');
      await page.getByLabel('API key', { exact: true }).fill(service.adminKey);
      await page.getByLabel('API key', { exact: true }).press('Enter');
      await page.waitForSelector('#drops-list li');
      await expect(page.locator('#drops-list').textContent()).resolves.toContain('Nova Winter Capsule');
      expect(await page.evaluate('sessionStorage.getItem("mf_api_key")')).toBe(service.adminKey);
      await shot(page, 'index');
      // The same tab on another page: no second prompt.
      await page.getByRole('link', { name: 'Nova Winter Capsule' }).click();
      await page.waitForSelector('body[data-ready="true"]');
      await expect(page.getByTestId('key-status').textContent()).resolves.toContain('mf_admin_');
      expect(await page.getByLabel('API key', { exact: true }).count()).toBe(0);
      // The chart library comes from node_modules through this service, not a CDN.
      const chartJs = await fetch(`${service.base}/app/vendor/chart.js/chart.umd.js`);
      expect(chartJs.status).toBe(200);
      expect(await chartJs.text()).toContain('Chart.js v4');
      await page.close();
    }, 90_000);

    it('shows an error message, not a blank page, when the key is wrong', async () => {
      const page = await newPage(DESKTOP, { expectedStatuses: [401] });
      await openWithKey(page, `/app/drop.html?drop=${DROP}`, 'mf_admin_not-a-real-key');
      const alert = page.locator('#drop-panel .state[role="alert"]');
      await expect(alert.textContent()).resolves.toMatch(/API key was refused \(401/);
      expect(await page.locator('#drop-panel').getAttribute('data-state')).toBe('error');
      expect(await page.locator('#run-forecast').isDisabled()).toBe(true);
      await shot(page, 'drop-wrong-key');
      // Changing the key recovers without a reload.
      await page.getByRole('button', { name: 'Change key' }).click();
      await page.getByLabel('API key', { exact: true }).fill(service.adminKey);
      await page.getByRole('button', { name: 'Use this key' }).click();
      await page.waitForSelector('#drop-panel[data-state="ready"]');
      await page.close();
    }, 90_000);

    // The drop page end to end, one step per test; each step starts where the previous one left the page.
    describe('the drop page, from a fresh service to a saved what-if', () => {
      let page: Page;
      // API answers the steps compare the page with (JSON as the API sends it).
      let preview: Schemas['DropPreview'];
      let plans: Schemas['PlanSummary'][];
      let plan: Schemas['Plan'];
      let whatIf: Schemas['Plan'];
      let demand: Map<string, number | null>;

      afterAll(async () => {
        if (page && !page.isClosed()) await page.close();
      });

      it('opens on a fresh service saying nothing is forecast or planned yet', async () => {
        page = await newPage();
        await openWithKey(page, `/app/drop.html?drop=${DROP}`, service.adminKey);
        // A fresh service: nothing forecast or planned yet, and the page says so.
        expect(await page.locator('#forecast-panel').getAttribute('data-state')).toBe('empty');
        await expect(page.locator('#forecast-panel .state').textContent()).resolves.toContain('No forecast yet');
        expect(await page.locator('#hubs-panel').getAttribute('data-state')).toBe('empty');
      }, 90_000);

      it('runs a forecast and draws the demand ranges the API reports, ranked by demand', async () => {
        await page.getByRole('button', { name: 'Run forecast' }).click();
        await page.waitForSelector('#action-status[data-kind="ok"]');
        await expect(page.locator('#action-status').textContent()).resolves.toContain('Forecast v1 stored');
        preview = await ok(api().GET('/v1/drops/{dropId}/preview', { params: { path: { dropId: DROP } } }));
        const forecastChart = await chartData(page, 'forecast-chart');
        expect(forecastChart).not.toBeNull();
        expect(forecastChart!.width).toBeGreaterThan(100);
        expect([...forecastChart!.labels].sort()).toEqual(Object.keys(preview.regions).sort());
        forecastChart!.labels.forEach((region, i) => {
          expect(forecastChart!.datasets[0]!.data[i]).toEqual([
            preview.regions[region]!.demand.p10,
            preview.regions[region]!.demand.p90,
          ]);
          expect(forecastChart!.datasets[1]!.data[i]).toBe(preview.regions[region]!.demand.p50);
        });
        // Ranked by expected demand: California leads the demo's pre-orders.
        expect(forecastChart!.labels[0]).toBe('US-CA');
      }, 90_000);

      it('computes two plans and shows the headline figures in units and dollars, each with a line saying what it is', async () => {
        await page.getByRole('button', { name: 'Compute plan' }).click();
        await page.waitForSelector('#action-status[data-kind="ok"]:has-text("Plan v1")');
        await page.getByRole('button', { name: 'Compute plan' }).click();
        await page.waitForSelector('#action-status[data-kind="ok"]:has-text("Plan v2")');
        plans = (await ok(api().GET('/v1/drops/{dropId}/plans', { params: { path: { dropId: DROP } } }))).items;
        expect(plans.map((p: { version: number }) => p.version)).toEqual([2, 1]);
        plan = await ok(api().GET('/v1/plans/{planId}', { params: { path: { planId: plans[0]!.id } } }));
        expect(await page.locator('#kpi-plan').getAttribute('data-plan-id')).toBe(plan.id);
        await expect(page.locator('#kpi-units').textContent()).resolves.toBe(
          `${plan.totals.units_placed.toLocaleString('en-US')} units`,
        );
        // Money in dollars, each headline figure with a line saying what it is.
        await expect(page.locator('#kpi-objective').textContent()).resolves.toBe(
          plan.totals.objective_value.toLocaleString('en-US', {
            style: 'currency',
            currency: 'USD',
            maximumFractionDigits: 0,
            minimumFractionDigits: 0,
          }),
        );
        expect(Number(await page.locator('#kpi-cost').getAttribute('data-value'))).toBe(plan.totals.cost.total);
        expect(Number(await page.locator('#kpi-premium').getAttribute('data-value'))).toBe(
          plan.totals.cost.fallback_premium,
        );
        for (const note of await page.locator('#kpis .kpi').all())
          expect((await note.locator('.kpi-note').textContent())!.length).toBeGreaterThan(10);
      }, 90_000);

      it('colours the map by forecast demand, with hubs placed against capacity and the tooltip on keyboard focus', async () => {
        // The map, coloured by forecast demand: each region's colour is its class of the API's number.
        await page.waitForSelector('#region-map[data-metric="demand"]');
        const demandMap = await readMap(page);
        demand = new Map<string, number | null>(
          Object.entries(preview.regions as Record<string, { demand: { mean: number } }>).map(([id, r]) => [
            id,
            r.demand.mean,
          ]),
        );
        expectColoursMatch(demandMap, demand, logSteps([...demand.values()] as number[]));
        expect(demandMap.regions.find((r) => r.id === 'US-CA')!.tag).toBe('path');
        // GB regions have no boundary in the shipped atlases: labelled points from the catalog's coordinates.
        expect(demandMap.regions.filter((r) => r.tag === 'circle').map((r) => r.id)).toEqual(['GB-LND', 'GB-MAN']);
        expect(demandMap.title).toContain('forecast demand');
        // Hubs: the plan's placed units against the capacity it planned with.
        for (const hub of plan.catalog_snapshot.hubs as { id: string; capacity_units: number }[]) {
          const marker = demandMap.hubs.find((h) => h.id === hub.id)!;
          expect(marker.capacity).toBe(hub.capacity_units);
          expect(marker.placed).toBe(
            plan.allocations
              .filter((a: { hub_id: string }) => a.hub_id === hub.id)
              .reduce((sum: number, a: { units: number }) => sum + a.units, 0),
          );
        }
        // Keyboard focus on a region shows the same text as its label, and the lanes into it.
        await page.focus('#region-map [data-region="US-TX"]');
        const tip = page.locator('#region-map .map-tooltip');
        await expect(tip.isVisible()).resolves.toBe(true);
        expect(await tip.textContent()).toBe(demandMap.regions.find((r) => r.id === 'US-TX')!.label);
        const lanesIntoTexas = snapshotHubsOf(plan).filter((h: { lanes: { region_id: string }[] }) =>
          h.lanes.some((l) => l.region_id === 'US-TX'),
        ).length;
        expect(await page.locator('#region-map .map-lanes line').count()).toBe(lanesIntoTexas);
        await page.keyboard.press('Tab');
      }, 90_000);

      it('colours the map by lead-time delta, with no value where no hub serves', async () => {
        // Switched to lead-time delta: the mean over SKUs of the plan's delta, or no value where no hub serves.
        await page.getByRole('radio', { name: 'Lead-time delta (days faster)' }).check();
        await page.waitForSelector('#region-map[data-metric="delta"]');
        const perRegion = new Map<string, number[]>();
        for (const r of plan.regions as { region_id: string; lead_time_delta_days: number | null }[]) {
          const list = perRegion.get(r.region_id) ?? [];
          if (r.lead_time_delta_days !== null) list.push(r.lead_time_delta_days);
          perRegion.set(r.region_id, list);
        }
        const deltaValues = new Map<string, number | null>(
          [...perRegion].map(([id, ds]) => [id, ds.length ? ds.reduce((a, b) => a + b, 0) / ds.length : null]),
        );
        for (const id of demand.keys()) if (!deltaValues.has(id)) deltaValues.set(id, null);
        expectColoursMatch(await readMap(page), deltaValues, [0, 1, 2, 3]);
        await page.getByRole('radio', { name: 'Forecast demand (units)' }).check();
      }, 90_000);

      it("draws hub capacity, supplier orders and lead-time delta from the plan's numbers", async () => {
        // Hub capacity: every hub of the plan's catalog, its capacity and the units placed there.
        const hubsChart = await chartData(page, 'hubs-chart');
        const snapshotHubs: { id: string; capacity_units: number }[] = [...snapshotHubsOf(plan)].sort((a, b) =>
          a.id.localeCompare(b.id),
        );
        expect(hubsChart!.labels).toEqual(snapshotHubs.map((h) => h.id));
        const placedInChart = snapshotHubs.map((_, i) =>
          hubsChart!.datasets
            .filter((d) => d.label.startsWith('placed'))
            .reduce((s, d) => s + Number(d.data[i] ?? 0), 0),
        );
        const placedInPlan = snapshotHubs.map((h) =>
          plan.allocations
            .filter((a: { hub_id: string }) => a.hub_id === h.id)
            .reduce((s: number, a: { units: number }) => s + a.units, 0),
        );
        expect(placedInChart).toEqual(placedInPlan);
        expect(placedInPlan.reduce((s, u) => s + u, 0)).toBe(plan.totals.units_placed);
        // Each bar is as long as the hub's capacity: placed units plus the unused rest.
        const unused = hubsChart!.datasets.find((d) => d.label === 'unused capacity')!.data as number[];
        expect(snapshotHubs.map((_, i) => placedInChart[i]! + unused[i]!)).toEqual(
          snapshotHubs.map((h) => h.capacity_units),
        );

        // Supplier orders: one bar per order line, or the empty state when the plan orders nothing.
        if (plan.supplier_orders.length) {
          const orders = await chartData(page, 'orders-chart');
          expect(orders!.labels).toHaveLength(plan.supplier_orders.length);
          const fallbacks = plan.supplier_orders.filter((o: { is_fallback: boolean }) => o.is_fallback).length;
          expect(orders!.datasets[1]!.data.filter((d) => d !== null)).toHaveLength(fallbacks);
        } else {
          expect(await page.locator('#orders-panel').getAttribute('data-state')).toBe('empty');
        }

        // Lead-time delta: the regions a hub serves, ranked, each the mean over SKUs of the plan's deltas.
        const expected = new Map<string, number[]>();
        for (const r of plan.regions)
          if (r.lead_time_delta_days !== null)
            expected.set(r.region_id, [...(expected.get(r.region_id) ?? []), r.lead_time_delta_days]);
        const deltaChart = await chartData(page, 'delta-chart');
        expect([...deltaChart!.labels].sort()).toEqual([...expected.keys()].sort());
        deltaChart!.labels.forEach((region, i) => {
          const ds = expected.get(region)!;
          expect(deltaChart!.datasets[0]!.data[i]).toBeCloseTo(ds.reduce((s, d) => s + d, 0) / ds.length, 9);
        });
        const deltas = deltaChart!.datasets[0]!.data as number[];
        expect([...deltas].sort((a, b) => b - a)).toEqual(deltas);
      }, 90_000);

      it('compares plan v1 with v2 and publishes v2', async () => {
        // Compare v1 (A) with v2 (B).
        await page.getByLabel('Compare plan A').selectOption(plans[1]!.id);
        await page.getByLabel('with plan B').selectOption(plans[0]!.id);
        await page.getByRole('button', { name: 'Compare plans' }).click();
        await page.waitForSelector('#compare-panel[data-state="ready"]');
        await expect(page.locator('#compare-body').textContent()).resolves.toContain('Units placed');
        await expect(page.locator('#action-status').textContent()).resolves.toContain('Compared plan v1 with v2');

        // Publish v2 (the plan shown).
        await page.getByRole('button', { name: 'Publish plan v2' }).click();
        await page.waitForSelector('#action-status[data-kind="ok"]:has-text("published")');
        expect(await page.locator('#kpi-plan').getAttribute('data-plan-status')).toBe('published');
        expect((await ok(api().GET('/v1/plans/{planId}', { params: { path: { planId: plan.id } } }))).status).toBe(
          'published',
        );
        expect(await page.locator('#publish-plan').isDisabled()).toBe(true);
      }, 90_000);

      it('computes a what-if (demand +30%, the Dallas hub closed) beside the published plan', async () => {
        // What if demand is 30% higher and the Dallas hub is closed? Computed by the planner, shown beside v2.
        await page.getByLabel('Whole drop, % of the forecast').fill('130');
        await page.locator('#wi-hub-closed-hub-dfw').check();
        await page.getByRole('button', { name: 'Compute what-if' }).click();
        await page.waitForSelector('#whatif-status[data-kind="ok"]');
        const afterWhatIf = (await ok(api().GET('/v1/drops/{dropId}/plans', { params: { path: { dropId: DROP } } })))
          .items;
        const whatIfSummary = afterWhatIf.find((p) => p.status === 'what_if')!;
        whatIf = await ok(api().GET('/v1/plans/{planId}', { params: { path: { planId: whatIfSummary.id } } }));
        expect(whatIf.overrides).toEqual({
          demand_multipliers: { drop: 1.3 },
          hub_capacities: [{ hub_id: 'hub-dfw', capacity_units: 0 }],
        });
        expect(whatIf.allocations.filter((a: { hub_id: string }) => a.hub_id === 'hub-dfw')).toEqual([]);
        expect(whatIf.totals.expected_demand_units).toBeCloseTo(plan.totals.expected_demand_units * 1.3, 6);
        const row = (id: string) => page.locator(`#wi-row-${id}`);
        for (const [id, pick] of [
          ['within', (t: typeof plan.totals) => t.expected_units_within_promise],
          ['fill', (t: typeof plan.totals) => t.fill_rate_within_promise],
          ['cost', (t: typeof plan.totals) => t.cost.total],
          ['premium', (t: typeof plan.totals) => t.cost.fallback_premium],
          ['value', (t: typeof plan.totals) => t.objective_value],
        ] as const) {
          expect(Number(await row(id).getAttribute('data-a')), id).toBe(pick(plan.totals));
          expect(Number(await row(id).getAttribute('data-b')), id).toBe(pick(whatIf.totals));
        }
        const cmp = await ok(api().GET('/v1/plans/compare', { params: { query: { a: plan.id, b: whatIf.id } } }));
        expect(cmp.allocations.length).toBeGreaterThan(0);
        expect(await page.locator('#whatif-changes tbody tr').count()).toBe(cmp.allocations.length);
        await shot(page, 'drop-whatif');
      }, 90_000);

      it('saves the what-if as the next draft version with the same numbers, shown and publishable', async () => {
        // Saved as a draft: the next version, the same numbers, now the plan shown (and publishable).
        await page.getByRole('button', { name: 'Save as draft' }).click();
        await page.waitForSelector('#whatif-status[data-kind="ok"]:has-text("Saved as draft")');
        const saved = (await ok(api().GET('/v1/drops/{dropId}/plans', { params: { path: { dropId: DROP } } })))
          .items[0]!;
        expect(saved).toMatchObject({ status: 'draft', version: whatIf.version + 1, totals: whatIf.totals });
        expect(
          (await ok(api().GET('/v1/plans/{planId}', { params: { path: { planId: saved.id } } }))).allocations,
        ).toEqual(whatIf.allocations);
        expect(await page.locator('#kpi-plan').getAttribute('data-plan-id')).toBe(saved.id);
        expect(await page.locator('#publish-plan').isDisabled()).toBe(false);
        // Show the published plan again for the pictures below.
        await page.getByLabel('Plan shown').selectOption(plan.id);
        await page.waitForSelector(`#kpi-plan[data-plan-id="${plan.id}"]`);
      }, 90_000);

      it("shows the access tiers' fill rates and the queue per region from the creator preview", async () => {
        // Before any tiers: no tier table.
        await page.waitForSelector('#community-panel:is([data-state="ready"], [data-state="empty"])');
        expect(await page.locator('#community-body caption', { hasText: 'Tier fill rates' }).count()).toBe(0);
        // Two tiers with windows before the opening, reserving shares of the first SKU.
        const drop = await ok(api().GET('/v1/drops/{dropId}', { params: { path: { dropId: DROP } } }));
        const opens = Date.parse(drop.opens_at);
        const at = (days: number) => new Date(opens - days * 86_400_000).toISOString();
        const skuId = plan.allocations[0]!.sku_id;
        const regionId = plan.regions.find((r) => r.sku_id === skuId && r.serving_hub_id)!.region_id;
        await ok(
          api().PUT('/v1/drops/{dropId}/access', {
            params: { path: { dropId: DROP } },
            body: {
              tiers: [
                {
                  name: 'holders',
                  window: { starts_at: at(3), ends_at: at(2) },
                  reserves: [{ sku_id: skuId, share: 0.2 }],
                },
                {
                  name: 'members',
                  window: { starts_at: at(2), ends_at: at(1) },
                  reserves: [{ sku_id: skuId, region_id: regionId, share: 0.1 }],
                },
              ],
            },
          }),
        );
        const fresh = await ok(api().GET('/v1/drops/{dropId}/preview', { params: { path: { dropId: DROP } } }));
        await page.reload();
        await page.waitForSelector('#community-panel[data-state="ready"]');
        await page.getByLabel('Plan shown').selectOption(plan.id);
        await page.waitForSelector(`#kpi-plan[data-plan-id="${plan.id}"]`);
        // The tiers table: each tier's reserved, rolled-in and taken units summed over its reserves.
        const tierRows = page
          .locator('#community-body table', { has: page.locator('caption', { hasText: 'Tier fill rates' }) })
          .locator('tbody tr');
        expect(await tierRows.count()).toBe(2);
        for (const [i, tier] of ['holders', 'members'].entries()) {
          const reserves = fresh.tier_reserves!.filter((r) => r.tier === tier);
          const reserved = reserves.reduce((s, r) => s + r.reserved, 0);
          expect(reserved).toBeGreaterThan(0);
          const cells = await tierRows.nth(i).locator('td').allTextContents();
          expect(cells[0]).toBe(tier);
          expect(cells[1]).toBe(`${reserved.toLocaleString('en-US')} units`);
        }
        // The queue per region: nobody waits yet; the units short of demand are the preview's.
        const queueRows = page
          .locator('#community-body table', { has: page.locator('caption', { hasText: 'Queue per region' }) })
          .locator('tbody tr');
        const withQueue = Object.entries(fresh.regions).filter(([, r]) => r.queue);
        expect(await queueRows.count()).toBe(withQueue.length);
        const shown = await queueRows.evaluateAll((rows) =>
          rows.map((r) => Array.from(r.querySelectorAll('td'), (td) => td.textContent)),
        );
        for (const [id, region] of withQueue) {
          const row = shown.find((cells) => cells[0] === id)!;
          expect(row[1]).toBe(String(region.queue!.waiting_entries));
          const short = region.queue!.units_short_p90;
          expect(row[4]).toBe(
            `${short.toLocaleString('en-US', { maximumFractionDigits: 0 })} ${Math.abs(short) === 1 ? 'unit' : 'units'}`,
          );
        }
        expect(shown.find((cells) => cells[0] === regionId)![5]).toContain('members');
      }, 90_000);

      it('fits a phone: no sideways scroll, the chart within the screen', async () => {
        await shot(page, 'drop');
        await page.setViewportSize(PHONE);
        await page.waitForTimeout(300);
        await expectNoHorizontalScroll(page);
        expect((await chartData(page, 'forecast-chart'))!.width).toBeLessThanOrEqual(PHONE.width);
        await shot(page, 'drop-phone');
      }, 90_000);
    });

    it('is usable from the keyboard: skip link, then Tab to "Run forecast" and Enter runs it', async () => {
      const page = await newPage();
      await openWithKey(page, `/app/drop.html?drop=${DROP}`, service.adminKey);
      // A fresh load (the key stays in sessionStorage), so focus starts at the top of the document.
      await page.reload();
      await page.waitForSelector('body[data-ready="true"]');
      await page.keyboard.press('Tab');
      expect(await page.evaluate('document.activeElement.textContent')).toBe('Skip to content');
      await page.keyboard.press('Enter');
      expect(await page.evaluate('document.activeElement.id')).toBe('main');
      let reached = false;
      for (let i = 0; i < 15 && !reached; i++) {
        await page.keyboard.press('Tab');
        reached = (await page.evaluate('document.activeElement.id')) === 'run-forecast';
      }
      expect(reached).toBe(true);
      // The focused control shows a visible focus ring.
      expect(await page.evaluate('getComputedStyle(document.activeElement).outlineStyle')).toBe('solid');
      await page.keyboard.press('Enter');
      await page.waitForSelector('#action-status[data-kind="ok"]:has-text("Forecast v2")');
      await page.close();
    }, 90_000);

    it("shows a partner its hubs' allocations and inbound orders, and downloads them as CSV", async () => {
      // 404 is expected once, at the end: a partner key asking for the drop page's data.
      const page = await newPage(DESKTOP, { expectedStatuses: [404] });
      await openWithKey(page, `/app/partner.html?drop=${DROP}`, partnerKey);
      const expected = await fetch(`${service.base}/v1/partner/allocations?drop_id=${DROP}`, {
        headers: { authorization: `Bearer ${partnerKey}` },
      }).then((r) => r.json());
      await page.waitForSelector('#summary-panel[data-state="ready"]');
      // A partner key gets no "partner id" field: that is for admin keys.
      expect(await page.locator('#partner-id-field').isHidden()).toBe(true);
      expect(await page.locator('#kpi-hubs').getAttribute('data-hub-ids')).toBe(expected.hub_ids.join(','));
      // Hub and partner names beside their ids.
      await expect(page.locator('#kpi-hubs').textContent()).resolves.toContain('Los Angeles micro-hub (hub-lax)');
      await expect(page.locator('#kpi-partner').textContent()).resolves.toBe('Swiftlane Logistics (partner-swiftlane)');
      await expect(page.locator('#kpi-plan').textContent()).resolves.toBe(`v${expected.version} (published)`);
      const total = expected.allocations.reduce((s: number, a: { units: number }) => s + a.units, 0);
      await expect(page.locator('#kpi-units').textContent()).resolves.toBe(`${total.toLocaleString('en-US')} units`);
      if (expected.allocations.length) {
        const chart = await chartData(page, 'alloc-chart');
        expect(chart!.labels).toEqual(expected.hub_ids);
        expect(await page.locator('#alloc-table tbody tr').count()).toBe(expected.allocations.length);
      } else {
        expect(await page.locator('#alloc-panel').getAttribute('data-state')).toBe('empty');
      }
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('button', { name: 'Download CSV' }).click(),
      ]);
      expect(download.suggestedFilename()).toBe(`allocations-${DROP}.csv`);
      const csv = fs.readFileSync((await download.path())!, 'utf8');
      const apiCsv = await fetch(`${service.base}/v1/partner/allocations?drop_id=${DROP}&format=csv`, {
        headers: { authorization: `Bearer ${partnerKey}` },
      }).then((r) => r.text());
      expect(csv).toBe(apiCsv);
      expect(csv.split('\n')[0]).toContain('sku_id');
      await page.waitForSelector('#csv-status[data-kind="ok"]');
      await shot(page, 'partner');
      await page.setViewportSize(PHONE);
      await page.waitForTimeout(300);
      await expectNoHorizontalScroll(page);
      await shot(page, 'partner-phone');

      // A partner key cannot read the drop page's data: the page says so instead of breaking.
      await page.goto(`${service.base}/app/drop.html?drop=${DROP}`);
      await page.waitForSelector('body[data-ready="true"]');
      await expect(page.locator('#drop-panel .state').textContent()).resolves.toContain('404');
      await page.close();
    }, 90_000);

    it('shows the delivery window, source and delta for a SKU and US-CA, by region and by postal code', async () => {
      const page = await newPage(DESKTOP, { expectedStatuses: [422] });
      await openWithKey(page, '/app/estimate.html', service.adminKey);
      await page.getByLabel('SKU').selectOption('sku-nova-hoodie');
      await page.getByLabel('Region').selectOption('US-CA');
      await page.getByRole('button', { name: 'Estimate delivery' }).click();
      await page.waitForSelector('#result-panel[data-state="ready"]');
      const estimate = await ok(
        api().GET('/v1/estimates', {
          params: { query: { sku_id: 'sku-nova-hoodie', region_id: 'US-CA', quantity: 1 } },
        }),
      );
      expect(estimate.status).toBe('promise');
      if (estimate.status !== 'promise') return;
      expect(await page.locator('#estimate-window').getAttribute('data-earliest')).toBe(estimate.earliest_delivery);
      expect(await page.locator('#estimate-window').getAttribute('data-latest')).toBe(estimate.latest_delivery);
      await expect(page.locator('#estimate-window').textContent()).resolves.toContain(estimate.earliest_delivery);
      await expect(page.locator('#est-source').textContent()).resolves.toBe(
        `${estimate.source.type}: ${estimate.source.id}`,
      );
      await expect(page.locator('#est-delta').textContent()).resolves.toContain('days');
      // The bar covers the business days the parcel may arrive on: a one-day window is a day wide.
      const chart = await chartData(page, 'window-chart');
      expect(chart!.datasets[0]!.data[0]).toEqual([estimate.days_min - 1, estimate.days_max]);
      const bar = (await page.evaluate(
        `(() => { const c = window.Chart.getChart(document.getElementById('window-chart')); const b = c.getDatasetMeta(0).data[0]; const x = c.scales.x; return { width: Math.abs(b.x - b.base), day: x.getPixelForValue(1) - x.getPixelForValue(0) }; })()`,
      )) as { width: number; day: number };
      expect(bar.width).toBeGreaterThanOrEqual(bar.day * (estimate.days_max - estimate.days_min + 1) - 1);
      await shot(page, 'estimate');

      await page.getByLabel('or postal code').fill('94107');
      await page.getByRole('button', { name: 'Estimate delivery' }).click();
      await page.waitForSelector('#result-panel[data-state="ready"]');
      await expect(page.locator('#estimate-window').textContent()).resolves.toContain('US-CA');
      await page.setViewportSize(PHONE);
      await page.waitForTimeout(300);
      await expectNoHorizontalScroll(page);
      await shot(page, 'estimate-phone');

      // A postal code no region claims: the API's refusal is shown as an error, not swallowed.
      await page.getByLabel('or postal code').fill('ZZ-000');
      await page.getByRole('button', { name: 'Estimate delivery' }).click();
      await page.waitForSelector('#result-panel[data-state="error"], #result-panel[data-status="no_promise"]');
      await page.close();
    }, 90_000);

    it('shows the demo’s closed past drop report on first start: headline figures, charts and a map from the API', async () => {
      const PAST = 'drop-nova-ember';
      const r = await ok(api().GET('/v1/drops/{dropId}/report', { params: { path: { dropId: PAST } } }));
      expect(r.units_ordered).toBeGreaterThan(1000);
      // The report page without ?drop= opens the latest closed drop.
      const page = await newPage();
      await openWithKey(page, '/app/report.html', service.adminKey);
      await page.waitForSelector('#report-panel[data-state="ready"]');
      await expect(page.locator('#report-title').textContent()).resolves.toBe('Post-drop report: Nova Ember Capsule');

      // Headline figures with their units, as the page formats them (en-US).
      const pct = (v: number) => `${(v * 100).toLocaleString('en-US', { maximumFractionDigits: 1 })}%`;
      await expect(page.locator('#kpi-ordered').textContent()).resolves.toBe(
        `${r.units_ordered.toLocaleString('en-US')} units`,
      );
      await expect(page.locator('#kpi-filled').textContent()).resolves.toBe(
        `${r.units_within_promise.toLocaleString('en-US')} units (${pct(r.fill_rate_within_promise!)})`,
      );
      await expect(page.locator('#kpi-inside').textContent()).resolves.toBe(
        `${pct(r.share_inside_p10_p90!)} of ${r.cells.length}`,
      );
      expect(Number(await page.locator('#kpi-premium').getAttribute('data-value'))).toBe(r.fallback_premium_total);
      await expect(page.locator('#kpi-premium').textContent()).resolves.toMatch(/^\$[\d,]+(\.\d\d)?$/);

      // The map: fill within the promise per region, red (poor) to blue (good) in fixed steps.
      await page.waitForSelector('#region-map[data-metric="fill"]');
      type Region = {
        region_id: string;
        realised_units: number;
        within_promise_units: number;
        planned_lead_time_delta_days: number | null;
        realised_lead_time_delta_days: number | null;
      };
      const regions = r.regions as Region[];
      expectColoursMatch(
        await readMap(page),
        new Map(regions.map((g) => [g.region_id, g.realised_units ? g.within_promise_units / g.realised_units : null])),
        [0.5, 0.7, 0.8, 0.9, 0.95],
      );
      await page.getByRole('radio', { name: 'Units ordered' }).check();
      await page.waitForSelector('#region-map[data-metric="ordered"]');
      const ordered = new Map<string, number | null>(regions.map((g) => [g.region_id, g.realised_units]));
      expectColoursMatch(await readMap(page), ordered, logSteps([...ordered.values()] as number[]));
      await page.getByRole('radio', { name: 'Filled within promise' }).check();

      // Forecast range vs realised: one row per region of the SKU, realised inside/outside as two marker series.
      type Cell = {
        sku_id: string;
        region_id: string;
        forecast_p10: number;
        forecast_p50: number;
        forecast_p90: number;
        realised: number;
        inside_p10_p90: boolean;
      };
      const skuId = await page.locator('#forecast-chart').getAttribute('data-sku');
      const cells = new Map((r.cells as Cell[]).filter((c) => c.sku_id === skuId).map((c) => [c.region_id, c]));
      const forecastChart = (await chartData(page, 'forecast-chart'))!;
      expect(forecastChart.width).toBeGreaterThan(100);
      expect([...forecastChart.labels].sort()).toEqual([...cells.keys()].sort());
      forecastChart.labels.forEach((region, i) => {
        const c = cells.get(region)!;
        expect(forecastChart.datasets[0]!.data[i]).toEqual([c.forecast_p10, c.forecast_p90]);
        expect(forecastChart.datasets[1]!.data[i]).toBe(c.forecast_p50);
        expect(forecastChart.datasets[2]!.data[i]).toBe(c.inside_p10_p90 ? c.realised : null);
        expect(forecastChart.datasets[3]!.data[i]).toBe(c.inside_p10_p90 ? null : c.realised);
      });
      expect(await page.locator('#forecast-table tbody tr').count()).toBe(cells.size);

      // Planned vs realised lead-time delta: grouped bars for each region with either value.
      const withDelta = regions.filter(
        (g) => g.planned_lead_time_delta_days !== null || g.realised_lead_time_delta_days !== null,
      );
      const deltaChart = (await chartData(page, 'delta-chart'))!;
      expect([...deltaChart.labels].sort()).toEqual(withDelta.map((g) => g.region_id).sort());
      deltaChart.labels.forEach((region, i) => {
        const g = withDelta.find((x) => x.region_id === region)!;
        expect(deltaChart.datasets[0]!.data[i]).toBe(g.planned_lead_time_delta_days);
        expect(deltaChart.datasets[1]!.data[i]).toBe(g.realised_lead_time_delta_days);
      });

      // Stock-outs on a timeline (hours after opening) and leftovers per hub: the demo has both.
      const drop = await ok(api().GET('/v1/drops/{dropId}', { params: { path: { dropId: PAST } } }));
      expect(r.stock_outs.length).toBeGreaterThan(0);
      const timeline = (await chartData(page, 'stockouts-chart'))!;
      expect(timeline.labels).toHaveLength(r.stock_outs.length);
      for (const so of r.stock_outs as { hub_id: string; sku_id: string; at: string }[]) {
        const i = timeline.labels.indexOf(`${so.hub_id} · ${so.sku_id}`);
        expect(i).toBeGreaterThanOrEqual(0);
        expect((timeline.datasets[0]!.data[i] as number[])[1]).toBeCloseTo(
          (Date.parse(so.at) - Date.parse(drop.opens_at)) / 3_600_000,
          1,
        );
      }
      const leftovers = Object.entries(r.leftover_by_hub as Record<string, number>).sort(([a], [b]) =>
        a.localeCompare(b),
      );
      const leftoverChart = (await chartData(page, 'leftover-chart'))!;
      expect(leftoverChart.labels).toEqual(leftovers.map(([hub]) => hub));
      expect(leftoverChart.datasets[0]!.data).toEqual(leftovers.map(([, units]) => units));

      // Where the plan missed most: each miss with its cause and detail, in the report's order.
      type Miss = { region_id: string; cause: string; detail: string };
      const misses = page.locator('#misses-list li');
      expect(r.top_misses.length).toBeGreaterThan(0);
      expect(await misses.count()).toBe(r.top_misses.length);
      for (const [i, m] of (r.top_misses as Miss[]).entries()) {
        expect(await misses.nth(i).getAttribute('data-region')).toBe(m.region_id);
        expect(await misses.nth(i).getAttribute('data-cause')).toBe(m.cause);
        await expect(misses.nth(i).textContent()).resolves.toContain(m.detail);
      }
      expect(await page.evaluate(AUDIT_LABELS), 'report unlabelled').toEqual([]);
      expect(await page.evaluate(AUDIT_CONTRAST), 'report low contrast').toEqual([]);

      // The upcoming drop has no report yet, and the page says so without asking for one.
      await page.goto(`${service.base}/app/report.html?drop=${DROP}`);
      await page.waitForSelector('body[data-ready="true"]');
      expect(await page.locator('#report-panel').getAttribute('data-state')).toBe('empty');
      await expect(page.locator('#report-panel .state').textContent()).resolves.toContain(
        'No report yet: the drop has not closed',
      );
      expect(await page.locator('#report-sections').isHidden()).toBe(true);
      await page.close();
    }, 120_000);

    it('shows the regional preview on a map, coloured by stock-out risk from the API', async () => {
      const page = await newPage();
      await openWithKey(page, `/app/preview.html?drop=${DROP}`, service.adminKey);
      await page.waitForSelector('#map-panel[data-state="ready"]');
      const preview = await ok(api().GET('/v1/drops/{dropId}/preview', { params: { path: { dropId: DROP } } }));
      await page.getByRole('radio', { name: 'Stock-out risk' }).check();
      await page.waitForSelector('#region-map[data-metric="risk"]');
      const risk = new Map<string, number | null>(
        Object.entries(preview.regions as Record<string, { stock_out_risk: number | null }>).map(([id, r]) => [
          id,
          r.stock_out_risk,
        ]),
      );
      expectColoursMatch(await readMap(page), risk, [0.05, 0.1, 0.2, 0.4]);
      expect(await page.locator('#preview-table tbody tr').count()).toBe(risk.size);
      // A storefront key sees the published preview without hubs, and asks for nothing it may not read.
      const storefront = await ok(api().POST('/v1/keys', { body: { role: 'storefront', creator_id: 'creator-nova' } }));
      await page.getByRole('button', { name: 'Change key' }).click();
      await page.getByLabel('API key', { exact: true }).fill(storefront.key);
      await page.getByRole('button', { name: 'Use this key' }).click();
      await page.waitForSelector('body[data-ready="true"]');
      await page.waitForSelector('#map-panel[data-state="ready"]');
      expect((await readMap(page)).hubs).toEqual([]);
      await page.close();
    }, 90_000);

    it('fits a phone on every page (no sideways page scroll, tables stacked) and takes desktop and phone pictures', async () => {
      const pages: [string, string, string?][] = [
        ['index', '/app/'],
        ['drop', `/app/drop.html?drop=${DROP}`, '#region-map[data-rendered="true"]'],
        ['preview', `/app/preview.html?drop=${DROP}`, '#region-map[data-rendered="true"]'],
        ['report', '/app/report.html?drop=drop-nova-ember', '#region-map[data-rendered="true"]'],
        ['partner', `/app/partner.html?drop=${DROP}`, '#summary-panel[data-state="ready"]'],
        ['estimate', '/app/estimate.html'],
      ];
      for (const [name, pathname, ready] of pages) {
        const page = await newPage();
        await openWithKey(page, pathname, service.adminKey);
        if (ready) await page.waitForSelector(ready);
        if (name === 'partner') expect(await page.locator('#partner-id-field').isVisible()).toBe(true);
        if (name === 'estimate') {
          await page.getByLabel('SKU').selectOption('sku-nova-hoodie');
          await page.getByLabel('Region').selectOption('US-CA');
          await page.getByRole('button', { name: 'Estimate delivery' }).click();
          await page.waitForSelector('#result-panel[data-state="ready"]');
        }
        for (const summary of await page.locator('details summary').all()) await summary.click();
        await page.waitForTimeout(200);
        await shot(page, `${name}-desktop`);
        await page.setViewportSize(PHONE);
        await page.waitForTimeout(400);
        await expectNoHorizontalScroll(page);
        // Tables stack: no table is wider than the screen, and each cell carries its column's label.
        const widest = (await page.evaluate(
          `Math.max(0, ...[...document.querySelectorAll('table')].map((t) => t.getBoundingClientRect().right))`,
        )) as number;
        expect(widest, `${name}: a table runs past the screen`).toBeLessThanOrEqual(PHONE.width);
        expect(
          await page.evaluate(`[...document.querySelectorAll('tbody td')].filter((td) => !td.dataset.label).length`),
        ).toBe(0);
        await shot(page, `${name}-phone`);
        await page.close();
      }
    }, 180_000);

    it('labels every control and chart and keeps text contrast at WCAG AA on every page', async () => {
      const pages = [
        '/app/',
        `/app/drop.html?drop=${DROP}`,
        `/app/partner.html?drop=${DROP}&partner=partner-swiftlane`,
        '/app/estimate.html',
        `/app/report.html?drop=${DROP}`,
        `/app/preview.html?drop=${DROP}`,
      ];
      for (const pathname of pages) {
        for (const withKey of [false, true]) {
          const page = await newPage(DESKTOP);
          if (withKey) await openWithKey(page, pathname, service.adminKey);
          else {
            await page.goto(`${service.base}${pathname}`);
            await page.waitForSelector('body[data-ready="true"]');
          }
          expect(await page.evaluate(AUDIT_LABELS), `${pathname} unlabelled`).toEqual([]);
          expect(await page.evaluate(AUDIT_CONTRAST), `${pathname} low contrast`).toEqual([]);
          expect(await page.locator('html').getAttribute('lang')).toBe('en');
          expect(await page.locator('h1').count()).toBe(1);
          await page.close();
        }
      }
    }, 120_000);

    it('logged no script errors or blocked resources on any page', () => {
      expect(problems).toEqual([]);
    });
  },
);
