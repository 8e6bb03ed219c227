import { createHmac, randomBytes } from 'node:crypto';
import type { Database, Queryable } from '../../db/database';
import { AppError } from '../../http/app-error';
import type { Schemas } from '../../http/contract';
import type { Principal } from '../../http/principal';
import type { Clock } from '../../shared/clock';
import type { CatalogService } from '../catalog';
import { accessRepository as repo } from './access.repository';
import type { DropAccessInput } from './access.schemas';
import { accessConfigIssues, holdOpensAt, keyMayClaim, reserveState, type AccessTier } from './core/access-rules';

/** The queue rank of buyers without a tier: after every tier (a drop has at most 10). */
const PUBLIC_RANK = 1000;

/** A drop's rules as the hold path needs them (cached per drop; cleared on NOTIFY mf_catalog). */
interface DropRules {
  tiers: AccessTier[];
  /** the drop sets a per-drop or a per-SKU account limit */
  limited: boolean;
}

/** What the hold path carries from the checks before its transaction to the claim inside it. */
export interface PreparedAccess {
  dropId: string;
  skuId: string;
  regionId: string;
  tier: string | null;
  accountHash: string | null;
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
          limited: found.access.per_drop_limit !== null || found.skuLimits.length > 0,
        }
      : { tiers: [], limited: false };
    if (rulesCache.size > 10_000) rulesCache.clear();
    rulesCache.set(dropId, rules);
    return rules;
  }

  /** HMAC-SHA256 of the account id under the drop's salt: the only form an account is stored in. */
  async function accountHash(dropId: string, accountId: string): Promise<string> {
    let salt = saltCache.get(dropId);
    if (!salt) {
      salt = await repo.ensureSalt(db, dropId, randomBytes(32).toString('hex'));
      saltCache.set(dropId, salt);
    }
    return createHmac('sha256', salt).update(accountId).digest('hex');
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
      },
    ): Promise<PreparedAccess | undefined> {
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
      };
    },

    /**
     * The hold itself on a drop with access rules, in one statement: the access check under the
     * SKU's reserve lock and the account's lock, place_hold at each hub in lane order, the claim.
     * One statement, so the locks are held for one round trip. Throws when other tiers' reserves or
     * an account limit stand in the way (nothing written); else the hub that holds, the hold that
     * already existed (a retry), or how many units one hub could hold.
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
    ): Promise<
      { outcome: 'held'; hubId: string } | { outcome: 'existing' } | { outcome: 'refused'; available: number }
    > {
      const result = await repo.placeHoldWithAccess(db, {
        ...hold,
        skuId: access.skuId,
        regionId: access.regionId,
        dropId: access.dropId,
        tier: access.tier,
        accountHash: access.accountHash,
      });
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
    },

    /** Where a tier stands in the drop's order (0 = first); the general public (null) after every tier. */
    async tierRank(dropId: string, tier: string | null): Promise<number> {
      if (tier === null) return PUBLIC_RANK;
      const index = (await rulesOf(dropId)).tiers.findIndex((t) => t.name === tier);
      return index < 0 ? PUBLIC_RANK : index;
    },

    /**
     * Refuses (403 account_limited) when `quantity` more units, beside the account's active and
     * confirmed holds and `pending` units it already waits for, would pass one of its limits.
     */
    async checkAccountRoom(
      access: PreparedAccess,
      quantity: number,
      pending: { sku: number; drop: number },
    ): Promise<void> {
      if (access.accountHash === null) return;
      const u = await repo.accountUsage(db, access.dropId, access.skuId, access.accountHash, clock.now());
      for (const [reason, limit, used] of [
        ['sku_limit', u.sku_limit, u.sku_used + pending.sku],
        ['drop_limit', u.drop_limit, u.drop_used + pending.drop],
      ] as const)
        if (limit !== null && used + quantity > limit)
          throw new AppError(
            'account_limited',
            `this account already has ${used} unit(s) in active holds, orders and the queue; the limit is ${limit}`,
            { extensions: { reason, limit, quantity_used: used } },
          );
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
  if (!found) return { drop_id: dropId, tiers: [], account_limits: { per_drop: null, per_sku: [] }, updated_at: null };
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
    updated_at: found.access.updated_at.toISOString(),
  };
}

export type AccessService = ReturnType<typeof createAccessService>;
