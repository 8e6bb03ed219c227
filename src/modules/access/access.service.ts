import { createHmac, randomBytes } from 'node:crypto';
import type { Database, Queryable } from '../../db/database';
import { AppError } from '../../http/app-error';
import type { Schemas } from '../../http/contract';
import type { Principal } from '../../http/principal';
import type { Clock } from '../../shared/clock';
import { catalogReaders, type CatalogService } from '../catalog';
import { deliveryReaders } from '../delivery';
import { accessRepository as repo } from './access.repository';
import type { DropAccessInput } from './access.schemas';
import {
  abuseScore,
  isAboveThreshold,
  QUICK_CYCLE_SECONDS,
  scoringSignals,
  SIGNAL_NAMES,
  VELOCITY_WINDOW_SECONDS,
  type AbuseScore,
  type SignalCounts,
} from './core/abuse-score';
import { accessConfigIssues, holdOpensAt, keyMayClaim, reserveState, type AccessTier } from './core/access-rules';
import type { FingerprintKind, PlaceOutcome, SignalCountRow } from './access.repository';

/** The queue rank of buyers without a tier: after every tier (a drop has at most 10). */
const PUBLIC_RANK = 1000;
/** The queue rank of an account above the drop's signal threshold: behind everyone else. */
export const FLAGGED_RANK = 2000;
/** Signal data of a drop is kept this long after it closes (job access.purge-signals). */
export const SIGNAL_RETENTION_DAYS = 30;

/** A drop's rules as the hold path needs them (cached per drop; cleared on NOTIFY mf_catalog). */
interface DropRules {
  tiers: AccessTier[];
  /** the drop sets a per-drop or a per-SKU account limit, or a signal threshold: holds name their account */
  limited: boolean;
  /** above this hoarding score a hold is refused (null: signals are recorded, never enforced) */
  abuseThreshold: number | null;
}

/** What the access step of one hold answered (place_hold_with_access, migration 0020). */
export interface AccessHoldRow {
  outcome: PlaceOutcome;
  hub_id: string | null;
  available: number | null;
  used: number | null;
  account_limit: number | null;
}

export type PlacedWithAccess =
  { outcome: 'held'; hubId: string } | { outcome: 'existing' } | { outcome: 'refused'; available: number };

/** What the hold path carries from the checks before its transaction to the claim inside it. */
export interface PreparedAccess {
  dropId: string;
  skuId: string;
  regionId: string;
  tier: string | null;
  accountHash: string | null;
  /** the storefront's device and address hashes, hashed again under the drop's salt */
  fingerprints: { kind: FingerprintKind; fingerprint: string }[];
  abuseThreshold: number | null;
}

export function createAccessService(deps: {
  db: Database;
  clock: Clock;
  catalog: Pick<CatalogService, 'visibleDrop' | 'listSkus' | 'listRegions'>;
}) {
  const { db, clock, catalog } = deps;
  const rulesCache = new Map<string, DropRules>();
  const saltCache = new Map<string, string>();

  async function rulesOf(dropId: string): Promise<DropRules> {
    const cached = rulesCache.get(dropId);
    if (cached) return cached;
    const found = await repo.findAccess(db, dropId);
    const rules: DropRules = found
      ? {
          tiers: found.tiers.map((t) => ({ name: t.name, window: { startsAt: t.starts_at, endsAt: t.ends_at } })),
          limited:
            found.access.per_drop_limit !== null || found.skuLimits.length > 0 || found.access.abuse_threshold !== null,
          abuseThreshold: found.access.abuse_threshold === null ? null : Number(found.access.abuse_threshold),
        }
      : { tiers: [], limited: false, abuseThreshold: null };
    if (rulesCache.size > 10_000) rulesCache.clear();
    rulesCache.set(dropId, rules);
    return rules;
  }

  async function saltOf(dropId: string): Promise<string> {
    let salt = saltCache.get(dropId);
    if (!salt) {
      salt = await repo.ensureSalt(db, dropId, randomBytes(32).toString('hex'));
      saltCache.set(dropId, salt);
    }
    return salt;
  }

  /**
   * An account's limits on a drop (per SKU, per drop; null: none) and the units its active and
   * confirmed holds count against each (which holds count now is the delivery module's answer).
   */
  async function accountUsage(dropId: string, skuId: string, accountHash: string) {
    const now = clock.now();
    const found = await repo.accountLimitsAndClaims(db, dropId, skuId, accountHash);
    const limits = { sku_limit: found.sku_limit, drop_limit: found.drop_limit };
    // No limit, nothing to count against: the holds need not be asked for.
    if (found.sku_limit === null && found.drop_limit === null) return { ...limits, sku_used: 0, drop_used: 0 };
    const active = await deliveryReaders.activeHoldIds(
      db,
      found.claims.map((c) => c.hold_id),
      now,
    );
    const counted = found.claims.filter((c) => active.has(c.hold_id));
    const units = (claims: typeof counted) => claims.reduce((sum, c) => sum + c.quantity, 0);
    return { ...limits, sku_used: units(counted.filter((c) => c.sku_id === skuId)), drop_used: units(counted) };
  }

  async function tierRank(dropId: string, tier: string | null): Promise<number> {
    if (tier === null) return PUBLIC_RANK;
    const index = (await rulesOf(dropId)).tiers.findIndex((t) => t.name === tier);
    return index < 0 ? PUBLIC_RANK : index;
  }

  /** HMAC-SHA256 of the account id under the drop's salt: the only form an account is stored in. */
  async function accountHash(dropId: string, accountId: string): Promise<string> {
    return createHmac('sha256', await saltOf(dropId))
      .update(accountId)
      .digest('hex');
  }

  /**
   * A device or address hash from the storefront, hashed again under the drop's salt (with its
   * kind, so a device and an address of the same value differ): the only form it is stored in.
   */
  async function fingerprint(dropId: string, kind: FingerprintKind, value: string): Promise<string> {
    return createHmac('sha256', await saltOf(dropId))
      .update(`${kind}\u0000${value}`)
      .digest('hex');
  }

  /**
   * The account's signals with one more hold (or queue entry) scored, read under the account's and
   * its fingerprints' locks (held to the end of `q`'s transaction); undefined for a retried hold.
   */
  async function scoreWithHold(
    q: Queryable,
    access: PreparedAccess,
    holdId: string,
    now: Date,
  ): Promise<AbuseScore | undefined> {
    const print = (kind: FingerprintKind) => access.fingerprints.find((f) => f.kind === kind)?.fingerprint ?? null;
    const row = await repo.lockAndReadSignals(q, {
      dropId: access.dropId,
      accountHash: access.accountHash!,
      holdId,
      regionId: access.regionId,
      device: print('device'),
      address: print('address'),
      now,
      quickCycleSeconds: QUICK_CYCLE_SECONDS,
      velocityWindowSeconds: VELOCITY_WINDOW_SECONDS,
    });
    return row.existing ? undefined : abuseScore(countsOf(row));
  }

  return {
    /** Forget the cached rules (any replica changed a drop's access rules or the catalog). */
    clearCache() {
      rulesCache.clear();
    },

    async getAccess(principal: Principal, dropId: string): Promise<Schemas['DropAccess']> {
      await catalog.visibleDrop(principal, dropId);
      return readAccess(db, dropId);
    },

    /** Replaces the drop's tiers and limits; 422 naming the field for anything it cannot store. */
    async putAccess(principal: Principal, dropId: string, input: DropAccessInput): Promise<Schemas['DropAccess']> {
      const drop = await catalog.visibleDrop(principal, dropId);
      const [skus, regions] = await Promise.all([catalog.listSkus(principal, dropId), catalog.listRegions()]);
      const issues = accessConfigIssues(input, {
        opensAt: drop.opens_at,
        skuIds: new Set(skus.map((s) => s.id)),
        regionIds: new Set(regions.map((r) => r.id)),
      });
      if (issues.length > 0)
        throw new AppError(
          'unprocessable',
          `Invalid access rules: ${issues.map((e) => `${e.path} (${e.message})`).join('; ')}`,
          {
            errors: issues,
          },
        );
      const saved = await db.transaction(async (tx) => {
        await catalog.visibleDrop(principal, dropId, tx);
        await repo.replaceAccess(tx, dropId, {
          perDropLimit: input.account_limits?.per_drop ?? null,
          abuseThreshold: input.abuse_threshold ?? null,
          tiers: input.tiers.map((t) => ({
            name: t.name,
            startsAt: new Date(t.window.starts_at),
            endsAt: new Date(t.window.ends_at),
          })),
          reserves: input.tiers.flatMap((t) =>
            (t.reserves ?? []).map((r) => ({
              tier: t.name,
              skuId: r.sku_id,
              scope: r.region_id ?? '',
              share: r.share,
            })),
          ),
          skuLimits: (input.account_limits?.per_sku ?? []).map((l) => ({ skuId: l.sku_id, perAccount: l.quantity })),
          now: clock.now(),
        });
        return readAccess(tx, dropId);
      });
      rulesCache.delete(dropId);
      return saved;
    },

    /**
     * The checks of a hold that need no lock, before its transaction: the tier exists and the key
     * may claim it, the buyer's access has opened, an account is given where the drop limits
     * accounts. Answers undefined when the hold needs no access step (a drop without rules, and a
     * hold naming neither a tier nor an account).
     */
    async prepareHold(
      principal: Principal,
      hold: {
        dropId: string;
        opensAt: Date;
        skuId: string;
        regionId: string;
        tier?: string | undefined;
        accountId?: string | undefined;
        /** the storefront's opaque hashes of the buyer's device and address */
        deviceHash?: string | undefined;
        addressHash?: string | undefined;
      },
    ): Promise<PreparedAccess | undefined> {
      for (const [path, given] of [
        ['device_hash', hold.deviceHash],
        ['address_hash', hold.addressHash],
      ] as const)
        if (given !== undefined && hold.accountId === undefined)
          throw new AppError('unprocessable', `${path} is a signal about an account: give the buyer's account_id too`, {
            errors: [{ path, message: 'only with account_id' }],
          });
      const rules = await rulesOf(hold.dropId);
      const tier = hold.tier ?? null;
      if (rules.tiers.length === 0 && !rules.limited && tier === null && hold.accountId === undefined) return undefined;
      if (tier !== null) {
        if (!rules.tiers.some((t) => t.name === tier))
          throw new AppError('unprocessable', `drop '${hold.dropId}' has no access tier '${tier}'`, {
            errors: [{ path: 'tier', message: 'unknown tier' }],
          });
        if (principal.role === 'storefront' && !keyMayClaim(principal.tiers, tier))
          throw new AppError('unprocessable', `this key may not claim tier '${tier}'`, {
            errors: [{ path: 'tier', message: `outside the key's tiers (${(principal.tiers ?? []).join(', ')})` }],
          });
      }
      if (rules.limited && hold.accountId === undefined)
        throw new AppError(
          'unprocessable',
          `drop '${hold.dropId}' limits units per account: give the buyer's account_id`,
          {
            errors: [{ path: 'account_id', message: 'required on this drop' }],
          },
        );
      const opensAt = holdOpensAt(rules.tiers, tier, hold.opensAt);
      if (opensAt && clock.now().getTime() < opensAt.getTime())
        throw new AppError(
          'conflict',
          `${tier === null ? 'the public' : `tier '${tier}'`} may hold units of drop '${hold.dropId}' from ${opensAt.toISOString()}`,
          { extensions: { reason: 'access_not_open', opens_at: opensAt.toISOString(), quantity_available: 0 } },
        );
      return {
        dropId: hold.dropId,
        skuId: hold.skuId,
        regionId: hold.regionId,
        tier,
        accountHash: hold.accountId === undefined ? null : await accountHash(hold.dropId, hold.accountId),
        fingerprints: [
          ...(hold.deviceHash === undefined
            ? []
            : [{ kind: 'device' as const, fingerprint: await fingerprint(hold.dropId, 'device', hold.deviceHash) }]),
          ...(hold.addressHash === undefined
            ? []
            : [{ kind: 'address' as const, fingerprint: await fingerprint(hold.dropId, 'address', hold.addressHash) }]),
        ],
        abuseThreshold: rules.abuseThreshold,
      };
    },

    /**
     * Whether the hold may be placed in a batch with other holds of its SKU (the delivery module's
     * place_holds, migration 0026): when it has no signals to score and no fingerprints to record.
     * Otherwise it goes through placeHold below, alone.
     */
    batchable(access: PreparedAccess): boolean {
      return access.fingerprints.length === 0 && (access.accountHash === null || access.abuseThreshold === null);
    },

    /**
     * The hold itself on a drop with access rules, alone, in one statement: the access check under
     * the SKU's reserve lock and the account's lock, place_hold at each hub in lane order, the
     * claim, the fingerprints. With a signal threshold, the account's signals are scored first in
     * the same transaction. The answer as holdOutcome gives it.
     */
    async placeHold(
      access: PreparedAccess,
      hold: {
        id: string;
        hubIds: string[];
        quantity: number;
        creatorId: string;
        now: Date;
        expiresAt: Date;
        asyncCommit: boolean;
      },
    ): Promise<PlacedWithAccess> {
      const place = (q: Queryable) =>
        repo.placeHoldWithAccess(q, {
          ...hold,
          skuId: access.skuId,
          regionId: access.regionId,
          dropId: access.dropId,
          tier: access.tier,
          accountHash: access.accountHash,
          fingerprints: access.fingerprints,
        });
      const accountHash = access.accountHash;
      const threshold = access.abuseThreshold;
      // With a threshold: the account's lock and its fingerprints' first, its signals read after
      // the wait (one statement), the hold in the same transaction. Parallel holds of one account,
      // or of accounts sharing a device or an address, are scored one after another: none passes
      // unseen.
      const result =
        accountHash === null || threshold === null
          ? await place(db)
          : await db.transaction(async (tx) => {
              const score = await scoreWithHold(tx, access, hold.id, hold.now);
              if (score && isAboveThreshold(score.score, threshold)) throw limitedBySignals(score, threshold);
              return place(tx);
            });
      return holdOutcome(access, result);
    },

    holdOutcome,

    /**
     * Where a queue entry goes: its tier's rank, or behind everyone (FLAGGED_RANK) when its account,
     * scored as if the entry were one more hold, is above the drop's threshold. Records the entry's
     * fingerprints (an entry is signal data like a hold).
     */
    async queueRank(access: PreparedAccess | undefined, dropId: string, tier: string | null): Promise<number> {
      const rank = await tierRank(dropId, tier);
      if (!access?.accountHash) return rank;
      const now = clock.now();
      const score = access.abuseThreshold === null ? undefined : await scoreWithHold(db, access, '', now);
      await repo.recordFingerprints(db, access.dropId, access.accountHash, access.fingerprints, now);
      return score && isAboveThreshold(score.score, access.abuseThreshold) ? FLAGGED_RANK : rank;
    },

    /**
     * The drop's accounts that show a signal (score > 0), highest score first, each with its signals
     * over the whole drop; for the drop's creator and admin.
     */
    async flaggedAccounts(principal: Principal, dropId: string): Promise<Schemas['FlaggedAccounts']> {
      await catalog.visibleDrop(principal, dropId);
      const threshold = (await rulesOf(dropId)).abuseThreshold;
      const holds = await deliveryReaders.holdsByIds(db, await repo.ownClaimHoldIds(db, dropId));
      const rows = await repo.signalsOfDrop(
        db,
        dropId,
        { quickCycleSeconds: QUICK_CYCLE_SECONDS, velocityWindowSeconds: VELOCITY_WINDOW_SECONDS },
        holds,
      );
      const accounts = rows
        .map((row) => ({ row, scored: abuseScore(countsOf(row)) }))
        .filter((a) => a.scored.score > 0)
        .sort((a, b) => b.scored.score - a.scored.score || (a.row.account_hash < b.row.account_hash ? -1 : 1))
        .map(({ row, scored }) => ({
          account_hash: row.account_hash,
          score: scored.score,
          above_threshold: isAboveThreshold(scored.score, threshold),
          holds: row.holds,
          signals: scored.signals,
        }));
      return { drop_id: dropId, abuse_threshold: threshold, generated_at: clock.now().toISOString(), accounts };
    },

    /**
     * Deletes the signal data of every drop closed more than SIGNAL_RETENTION_DAYS ago (the job
     * access.purge-signals): fingerprints, account hashes on claims, the salt; `alsoForget` clears
     * the account hashes other modules keep (the queue's entries) in the same transaction.
     */
    async purgeExpiredSignals(
      alsoForget: (tx: Queryable, dropIds: string[]) => Promise<number> = async () => 0,
    ): Promise<{ drops: string[]; rows: number }> {
      const closedBefore = new Date(clock.now().getTime() - SIGNAL_RETENTION_DAYS * 86_400_000);
      const purged = await db.transaction(async (tx) => {
        const drops = await catalogReaders.dropsClosedBefore(tx, await repo.dropsWithSignalData(tx), closedBefore);
        if (drops.length === 0) return { drops, rows: 0 };
        const rows = await repo.purgeSignalsOf(tx, drops);
        return { drops, rows: rows + (await alsoForget(tx, drops)) };
      });
      for (const dropId of purged.drops) saltCache.delete(dropId);
      return purged;
    },

    /** Where a tier stands in the drop's order (0 = first); the general public (null) after every tier. */
    tierRank,

    /**
     * Refuses (403 account_limited) when `quantity` more units, beside the account's active and
     * confirmed holds and `pending` units it already waits for, would pass one of its limits.
     * `pending` may still be loading: it is awaited together with the account's usage.
     */
    async checkAccountRoom(
      access: PreparedAccess,
      quantity: number,
      pending: { sku: number; drop: number } | Promise<{ sku: number; drop: number }>,
    ): Promise<void> {
      const accountHash = access.accountHash;
      if (accountHash === null) return void (await pending);
      const [u, waiting] = await Promise.all([accountUsage(access.dropId, access.skuId, accountHash), pending]);
      for (const [reason, limit, used] of [
        ['sku_limit', u.sku_limit, u.sku_used + waiting.sku],
        ['drop_limit', u.drop_limit, u.drop_used + waiting.drop],
      ] as const)
        if (limit !== null && used + quantity > limit)
          throw new AppError(
            'account_limited',
            `this account already has ${used} unit(s) in active holds, orders and the queue; the limit is ${limit}`,
            { extensions: { reason, limit, quantity_used: used } },
          );
    },

    /**
     * Units each tier's buyers hold (not past expiry) or bought at `now`, reserve units or not (the
     * tiers' claims, their holds as the delivery module answers them); a tier with none is absent.
     */
    async unitsTakenByTier(dropId: string, now: Date): Promise<{ tier: string; units: number }[]> {
      const claims = await repo.tierClaims(db, dropId);
      const active = await deliveryReaders.activeHoldIds(
        db,
        claims.map((c) => c.hold_id),
        now,
      );
      const byTier = new Map<string, number>();
      for (const c of claims) if (active.has(c.hold_id)) byTier.set(c.tier, (byTier.get(c.tier) ?? 0) + c.quantity);
      return [...byTier].map(([tier, units]) => ({ tier, units }));
    },

    /** The drop's reserve shares in tier order (the plan's split of its stock); empty without tiers. */
    async reserveShares(
      dropId: string,
    ): Promise<{ tier: string; skuId: string; regionId: string | null; share: number }[]> {
      const rules = await readAccess(db, dropId);
      return rules.tiers.flatMap((t) =>
        t.reserves.map((r) => ({ tier: t.name, skuId: r.sku_id, regionId: r.region_id ?? null, share: r.share })),
      );
    },

    /** The drop's tier reserves now, for live stock and the preview; undefined when it has no tiers. */
    async tierReserves(dropId: string, skuIds: string[]): Promise<Schemas['TierReserve'][] | undefined> {
      const rules = await rulesOf(dropId);
      if (rules.tiers.length === 0) return undefined;
      const now = clock.now();
      const rows = await repo.listPools(db, dropId, skuIds, now);
      return rows.map((r) => ({
        tier: r.tier,
        sku_id: r.sku_id,
        region_id: r.scope === '' ? null : r.scope,
        window: { starts_at: r.starts_at.toISOString(), ends_at: r.ends_at.toISOString() },
        state: reserveState({ startsAt: r.starts_at, endsAt: r.ends_at }, now),
        reserved: r.reserved,
        rolled_in: r.rolled_in,
        used: r.used,
        protected: r.protected,
        rolled_over: r.rolled_over,
      }));
    },
  };
}

async function readAccess(q: Queryable, dropId: string): Promise<Schemas['DropAccess']> {
  const found = await repo.findAccess(q, dropId);
  if (!found)
    return {
      drop_id: dropId,
      tiers: [],
      account_limits: { per_drop: null, per_sku: [] },
      abuse_threshold: null,
      updated_at: null,
    };
  return {
    drop_id: dropId,
    tiers: found.tiers.map((t) => ({
      name: t.name,
      window: { starts_at: t.starts_at.toISOString(), ends_at: t.ends_at.toISOString() },
      reserves: found.reserves
        .filter((r) => r.tier === t.name)
        .map((r) => ({ sku_id: r.sku_id, region_id: r.scope === '' ? null : r.scope, share: Number(r.share) })),
    })),
    account_limits: {
      per_drop: found.access.per_drop_limit,
      per_sku: found.skuLimits.map((l) => ({ sku_id: l.sku_id, quantity: l.per_account })),
    },
    abuse_threshold: found.access.abuse_threshold === null ? null : Number(found.access.abuse_threshold),
    updated_at: found.access.updated_at.toISOString(),
  };
}

function countsOf(row: SignalCountRow): SignalCounts {
  return Object.fromEntries(SIGNAL_NAMES.map((name) => [name, row[name]])) as SignalCounts;
}

/** 403 account_limited naming the signals that scored, the highest first (`reason`). */
function limitedBySignals(score: AbuseScore, threshold: number): AppError {
  const signals = scoringSignals(score);
  return new AppError(
    'account_limited',
    `this account's hoarding signals score ${score.score}, above the drop's threshold of ${threshold} (${signals.join(', ')})`,
    { extensions: { reason: signals[0], signals, score: score.score, threshold } },
  );
}

export type AccessService = ReturnType<typeof createAccessService>;

/**
 * What the access step of a hold answered, for the hold path: the hub that holds, the hold that
 * already existed (a retry), or how many units one hub could hold. Throws when other tiers'
 * reserves or an account limit stood in the way (nothing was written).
 */
function holdOutcome(access: PreparedAccess, result: AccessHoldRow): PlacedWithAccess {
  switch (result.outcome) {
    case 'held':
      return { outcome: 'held', hubId: result.hub_id! };
    case 'existing':
      return { outcome: 'existing' };
    case 'refused':
      return { outcome: 'refused', available: result.available ?? 0 };
    case 'reserved':
      throw new AppError(
        'conflict',
        `the units of '${access.skuId}' left are reserved for other access tiers` +
          ` (at most ${result.available ?? 0} for this buyer)`,
        { extensions: { reason: 'reserved_for_other_tiers', quantity_available: result.available ?? 0 } },
      );
    case 'sku_limit':
    case 'drop_limit': {
      const what = result.outcome === 'sku_limit' ? `of SKU '${access.skuId}'` : `of drop '${access.dropId}'`;
      throw new AppError(
        'account_limited',
        `this account already has ${result.used} unit(s) ${what} in active holds and orders; the limit is ${result.account_limit}`,
        { extensions: { reason: result.outcome, limit: result.account_limit, quantity_used: result.used } },
      );
    }
  }
}
