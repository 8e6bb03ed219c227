-- Costs in the plan's objective (issue 17): lane shipping per unit and per shipment, dated cost
-- shifts on lanes and regions, a supplier's fallback premium and inbound freight per hub.
-- Cost shifts and freight are small lists read with their owner, so they are jsonb arrays in the
-- contract's shape ({from, to, surcharge?, multiplier?} and {hub_id, cost_per_unit}).
alter table hub_lanes add column shipping_cost_per_unit numeric(14, 4) not null default 0
  check (shipping_cost_per_unit >= 0);
alter table hub_lanes add column shipping_cost_per_shipment numeric(14, 4) not null default 0
  check (shipping_cost_per_shipment >= 0);
alter table hub_lanes add column cost_shifts jsonb not null default '[]';
alter table regions add column cost_shifts jsonb not null default '[]';
alter table suppliers add column fallback_premium_per_unit numeric(14, 4) not null default 0
  check (fallback_premium_per_unit >= 0);
alter table suppliers add column inbound_freight jsonb not null default '[]';
