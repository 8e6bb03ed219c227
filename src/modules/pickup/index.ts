/** Local pickup: hubs' opening hours, slots and the units they can hand over. The public surface. */
export { createPickupService, slotKey, type PickupOfferEntry, type PickupService } from './pickup.service';
export { pickupRoutes } from './pickup.routes';
export { firstFreeSlots, offeredSlotAt, pickupReadyFrom, type SlotTime } from './core/pickup-slots';
export { pickupReaders, type PickupRoute } from './pickup.readers';
