/**
 * What other modules read of the signals, as exported functions on whatever connection or
 * transaction the caller holds. They never import the signals repository.
 */
import type { Queryable } from '../../db/database';
import { preorderLookupsRepository } from './preorder-lookups.repository';
import { signalsRepository as repo } from './signals.repository';

export const signalsReaders = {
  /**
   * Live stock per hub and SKU of these SKUs, from every sender's inventory events: on hand =
   * received − shipped + adjusted, reserved = reserved − released; by hub, then SKU.
   */
  liveStockOf: (q: Queryable, skuIds: readonly string[]) => repo.sumLiveStockOfSkus(q, skuIds),
  /** Realised demand: placed (not cancelled) pre-orders of the drop placed at or before `until`. */
  placedPreordersUntil: (db: Queryable, dropId: string, until: Date) =>
    preorderLookupsRepository.placedUntil(db, dropId, until),
};
