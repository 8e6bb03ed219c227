import pg from 'pg';
import type { BenchFigure, BenchModule } from './bench-types';
import { startDeliveryBenchServer } from './delivery.bench';
import { requireBenchDatabase } from './service-process';
import { hasWrk, runWrkScript } from './wrk';

/**
 * Holds with access tiers and per-account limits (issue 16) against plain holds, in the same run
 * and the same service (the delivery bench's server: demo catalog, ample stock, PostgreSQL).
 * Rounds alternate: the demo drop without access rules and plain holds (no tier, no account), then
 * the drop with tiers (holders' window open now, members' next, reserves drop-wide and for US-CA)
 * and limits (3 per account and SKU, 6 per account and drop) and holds from holders with an account
 * drawn from 20,000 (so some accounts reach their limit and are refused). Each tiered hold takes
 * the SKU's reserve lock and the account's lock in its transaction. After the runs the database is
 * checked: nothing oversold, held = Σ active holds, no account over a limit. A third run per round
 * adds a hoarding threshold and a device hash shared by every 4 accounts: each such hold also
 * takes its device's lock and reads the account's signals in its transaction. The load comes from
 * wrk (bodies made by a request() hook; the plain runs use the same hook).
 */
const CONNECTIONS = 32;
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 8);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const ACCOUNTS = 20_000;
const PER_SKU = 3;
const PER_DROP = 6;
/** Accounts n, n + DEVICES, n + 2·DEVICES, … share a device. */
const DEVICES = 5_000;
const THRESHOLD = 6;

interface ServerInfo {
  base: string;
  key: string;
  creatorKey: string;
  dropId: string;
  skuIds: string[];
}

export const accessBench: BenchModule = {
  id: 'access',
  async run(progress) {
    if (!hasWrk) throw new Error('the access bench needs wrk (apt-get install wrk)');
    // PostgreSQL: the bench checks the database after the load.
    const database = await requireBenchDatabase('access');
    const { info, stop } = await startDeliveryBenchServer<ServerInfo>(database.url);
    try {
      const skuId = info.skuIds.find((id) => id !== 'sku-nova-tee') ?? info.skuIds[0]!;
      const now = Date.now();
      const hour = 3_600_000;
      const rules = {
        tiers: [
          {
            name: 'holders',
            window: { starts_at: iso(now - hour), ends_at: iso(now + 2 * hour) },
            reserves: [
              { sku_id: skuId, share: 0.3 },
              { sku_id: skuId, region_id: 'US-CA', share: 0.05 },
            ],
          },
          {
            name: 'members',
            window: { starts_at: iso(now + 2 * hour), ends_at: iso(now + 3 * hour) },
            reserves: [{ sku_id: skuId, share: 0.2 }],
          },
        ],
        account_limits: { per_drop: PER_DROP, per_sku: [{ sku_id: skuId, quantity: PER_SKU }] },
      };
      const setRules = async (body: unknown) => {
        const res = await fetch(`${info.base}/v1/drops/${info.dropId}/access`, {
          method: 'PUT',
          headers: { authorization: `Bearer ${info.creatorKey}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        if (res.status !== 200) throw new Error(`PUT access answered ${res.status}: ${await res.text()}`);
        // Every replica's rules cache is cleared by NOTIFY; this one cleared its own at once.
      };
      const plainBody = `{"sku_id":"${skuId}","region_id":"US-CA","quantity":1,"hold_seconds":900}`;
      const tieredBody = `{"sku_id":"${skuId}","region_id":"US-CA","quantity":1,"hold_seconds":900,"tier":"holders","account_id":"acct-%d"}`;
      const scoredBody = tieredBody.replace('}', ',"device_hash":"device-%05d"}');
      const scoredRules = { ...rules, abuse_threshold: THRESHOLD };
      const run = (body: string, durationS = DURATION_S) =>
        wrk({ url: `${info.base}/v1/holds`, key: info.key, bodyFormat: body, durationS });

      progress(`service on PostgreSQL, ${CONNECTIONS} connections, ${DURATION_S} s per run, SKU ${skuId}; warm-up`);
      await setRules({ tiers: [] });
      await run(plainBody, 2);
      await setRules(rules);
      await run(tieredBody, 2);
      await setRules(scoredRules);
      await run(scoredBody, 2);
      let plain: Load | undefined;
      let tiered: Load | undefined;
      let scored: Load | undefined;
      const best = (a: Load | undefined, b: Load) => (a && a.placedPerS >= b.placedPerS ? a : b);
      for (let round = 1; round <= ROUNDS; round++) {
        progress(`round ${round}: plain holds (the drop without access rules)`);
        await setRules({ tiers: [] });
        plain = best(plain, await run(plainBody));
        progress(`round ${round}: holds with tiers and account limits`);
        await setRules(rules);
        tiered = best(tiered, await run(tieredBody));
        progress(`round ${round}: holds with tiers, limits, a hoarding threshold and device hashes`);
        await setRules(scoredRules);
        scored = best(scored, await run(scoredBody));
      }
      if (!plain || !tiered || !scored) throw new Error('no rounds were run');

      progress('checking the database: oversell, ledger, account limits');
      const c = new pg.Client({ connectionString: database.url });
      await c.connect();
      const oversold = (
        await c.query<{ n: number }>(
          `select count(*)::int as n from hub_stock s join hub_stock_levels l using (hub_id, sku_id)
           where l.available < 0 or s.held <> (select coalesce(sum(quantity), 0) from reservation_holds h
             where h.hub_id = s.hub_id and h.sku_id = s.sku_id and h.status = 'held')`,
        )
      ).rows[0]!.n;
      const breaches = (
        await c.query<{ n: number }>(
          `with live as (
             select c.account_hash, c.sku_id, c.quantity from hold_access_claims c join reservation_holds h on h.id = c.hold_id
             where c.account_hash is not null and ((h.status = 'held' and h.expires_at > now()) or h.status = 'confirmed'))
           select (select count(*) from (select 1 from live group by account_hash, sku_id having sum(quantity) > $1) a)::int
             + (select count(*) from (select 1 from live group by account_hash having sum(quantity) > $2) b)::int as n`,
          [PER_SKU, PER_DROP],
        )
      ).rows[0]!.n;
      const limited = (await c.query<{ n: number }>('select count(*)::int as n from hold_access_claims')).rows[0]!.n;
      await c.end();

      const ratio = tiered.placedPerS / plain.placedPerS;
      const pass = tiered.placedPerS >= 2000 && oversold === 0 && breaches === 0;
      return [
        {
          name: 'access.plain_holds_per_second',
          value: plain.placedPerS,
          unit: 'holds/s',
          note: `POST /v1/holds on a drop without access rules; ${plain.non2xx} non-2xx; p50 ${plain.p50} ms, p99 ${plain.p99} ms`,
        },
        {
          name: 'access.tiered_limited_holds_per_second',
          value: tiered.placedPerS,
          unit: 'holds/s',
          reference: { name: 'plain holds, same run', value: plain.placedPerS, unit: 'holds/s' },
          ratio,
          target: '≥ 2000 holds/s, no oversell, no limit breach',
          pass,
          note:
            `holds placed per second (2xx); ${tiered.non2xx} refused (account limits of ${PER_SKU}/SKU, ${PER_DROP}/drop over ` +
            `${ACCOUNTS} accounts); p50 ${tiered.p50} ms, p99 ${tiered.p99} ms; ${limited} claims stored; ` +
            `oversold or drifted rows: ${oversold}; accounts over a limit: ${breaches}`,
        },
        {
          name: 'access.scored_holds_per_second',
          value: scored.placedPerS,
          unit: 'holds/s',
          reference: { name: 'plain holds, same run', value: plain.placedPerS, unit: 'holds/s' },
          ratio: scored.placedPerS / plain.placedPerS,
          note:
            `the tiered holds plus a hoarding threshold of ${THRESHOLD} and one device hash per ${ACCOUNTS / DEVICES} accounts; ` +
            `${scored.non2xx} refused (limits or signals); p50 ${scored.p50} ms, p99 ${scored.p99} ms`,
        },
      ] satisfies BenchFigure[];
    } finally {
      stop();
      await new Promise((resolve) => setTimeout(resolve, 500));
      await database.drop();
    }
  },
};

const iso = (ms: number) => new Date(ms).toISOString();

interface Load {
  placedPerS: number;
  non2xx: number;
  p50: number;
  p99: number;
}

/** wrk with a request() hook; `bodyFormat`'s first `%d` becomes a random account number, a second its device. */
async function wrk(options: { url: string; key: string; bodyFormat: string; durationS: number }): Promise<Load> {
  const script = [
    'wrk.method = "POST"',
    `wrk.headers["authorization"] = ${JSON.stringify(`Bearer ${options.key}`)}`,
    'wrk.headers["content-type"] = "application/json"',
    `local fmt = ${JSON.stringify(options.bodyFormat)}`,
    'math.randomseed(os.time())',
    // Lua ignores the extra argument when the body has one %d.
    `function request() local n = math.random(1, ${ACCOUNTS}); return wrk.format(nil, nil, nil, string.format(fmt, n, n % ${DEVICES})) end`,
  ].join('\n');
  const r = await runWrkScript(script, { url: options.url, connections: CONNECTIONS, durationS: options.durationS });
  const total = r.ok + r.non2xx;
  return { placedPerS: total > 0 ? (r.rps * r.ok) / total : 0, non2xx: r.non2xx, p50: r.p50, p99: r.p99 };
}
