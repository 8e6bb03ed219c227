/**
 * Reads a drop's signals as they stood at an instant, through the catalog and signals services
 * (the forecast module never queries their tables): the drop's SKUs (by id), its market regions
 * and the snapshot the features are built from. Used by serving and by the learning loop, so a
 * closed drop's recorded signals are exactly what a forecast at that instant saw.
 */
import type { Principal } from '../../http/principal';
import type { CatalogService } from '../catalog';
import type { SignalsService } from '../signals';
import type { SkuInfo } from './core/forecast-types';
import { assembleSnapshot, type AssembledSnapshot } from './drop-snapshot';

export type DropRecord = Awaited<ReturnType<CatalogService['visibleDrop']>>;

const SYSTEM: Principal = { keyId: 'system:forecast', role: 'admin' };

export function createDropSignalsReader(deps: { catalog: CatalogService; signals: SignalsService }) {
  const { catalog, signals } = deps;
  return {
    /** The drop as the system sees it (404 when it does not exist). */
    drop: (dropId: string) => catalog.visibleDrop(SYSTEM, dropId),

    async skusOf(dropId: string): Promise<SkuInfo[]> {
      const skus = await catalog.listSkus(SYSTEM, dropId);
      return skus.map((s) => ({ id: s.id, price: Number(s.price) })).sort((a, b) => (a.id < b.id ? -1 : 1));
    },

    /**
     * The drop's market: the regions of its baseline paths (it promises delivery there) plus any
     * region its signals name; every catalog region when both are empty. Ordered by id.
     */
    async regionsOf(drop: DropRecord): Promise<string[]> {
      const market = new Set([
        ...drop.baseline.paths.map((p) => p.region_id),
        ...(await signals.signalRegionIds(drop.id)),
      ]);
      const ids = market.size > 0 ? [...market] : (await catalog.listRegions()).map((r) => r.id);
      return ids.sort();
    },

    /** The drop's signals as they stood at `asOf` (at or before it), per region of `regionIds`. */
    async snapshotAt(drop: DropRecord, skus: SkuInfo[], regionIds: string[], asOf: Date): Promise<AssembledSnapshot> {
      const { social, tokenHolders, preorders } = await signals.signalsAsOf(drop.id, asOf);
      return assembleSnapshot({
        dropId: drop.id,
        creatorId: drop.creator_id,
        opensAt: new Date(drop.opens_at),
        asOf,
        skus,
        regionIds,
        social,
        tokenHolders,
        preorders,
      });
    },
  };
}

export type DropSignalsReader = ReturnType<typeof createDropSignalsReader>;
