-- Returns (issue 17): a unit sent back by a buyer passes inspection at the receiving hub for a set
-- number of business days, then becomes available (back on sale: hub_stock.adjusted grows, which
-- notifies mf_stock), discounted (its own pool, counted here) or repair.
create table returns (
  id text primary key,
  drop_id text not null references drops (id) on delete cascade,
  creator_id text not null,
  sku_id text not null references skus (id) on delete cascade,
  hub_id text not null references hubs (id),
  region_id text references regions (id),
  quantity int not null check (quantity > 0),
  reason text not null check (reason in ('unwanted', 'defect', 'wrong_item')),
  status text not null default 'inspection' check (status in ('inspection', 'available', 'discounted', 'repair')),
  -- What the unit becomes when inspection ends: by reason unless the hub's partner records otherwise.
  outcome text not null check (outcome in ('available', 'discounted', 'repair')),
  received_at timestamptz not null,
  inspection_ends_at timestamptz not null,
  resolved_at timestamptz,
  created_at timestamptz not null default now()
);
create index returns_due on returns (inspection_ends_at) where status = 'inspection';
create index returns_drop on returns (drop_id, sku_id);
