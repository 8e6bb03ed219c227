-- The catalog: who sells, where buyers are, where stock sits and where it comes from.
-- Ids are chosen by clients (PUT create-or-replace), so they are text.

create table creators (
  id text primary key,
  name text not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create table partners (
  id text primary key,
  name text not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create table api_keys (
  id text primary key,
  -- SHA-256 of the whole key, hex; the key itself is shown once and never stored.
  key_hash text not null unique,
  key_prefix text not null,
  role text not null check (role in ('admin', 'creator', 'partner', 'storefront')),
  creator_id text references creators (id),
  partner_id text references partners (id),
  label text not null default '',
  created_at timestamptz not null default now(),
  revoked_at timestamptz,
  check (
    (role = 'admin' and creator_id is null and partner_id is null)
    or (role in ('creator', 'storefront') and creator_id is not null and partner_id is null)
    or (role = 'partner' and partner_id is not null and creator_id is null)
  )
);

create table regions (
  id text primary key,
  name text not null,
  time_zone text not null,
  -- ISO weekday numbers (1 = Monday … 7 = Sunday) that are not business days.
  weekend_days int[] not null default '{6,7}',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

-- One row per prefix so a postal code maps by longest matching prefix with an index.
create table region_postal_prefixes (
  prefix text primary key,
  region_id text not null references regions (id) on delete cascade
);
create index region_postal_prefixes_region on region_postal_prefixes (region_id);

create table hubs (
  id text primary key,
  name text not null,
  operator_partner_id text not null references partners (id),
  capacity_units int not null check (capacity_units >= 0),
  time_zone text not null,
  order_cutoff_local text not null check (order_cutoff_local ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$'),
  handling_days int not null check (handling_days >= 0),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index hubs_operator on hubs (operator_partner_id);

create table hub_lanes (
  hub_id text not null references hubs (id) on delete cascade,
  region_id text not null references regions (id),
  -- Lane order as the client listed it: the tie-break when several hubs serve a region.
  position int not null,
  transit_days_min int not null check (transit_days_min >= 0),
  transit_days_max int not null,
  primary key (hub_id, region_id),
  check (transit_days_max >= transit_days_min)
);
create index hub_lanes_region on hub_lanes (region_id);

create table suppliers (
  id text primary key,
  name text not null,
  kind text not null check (kind in ('microfactory', 'offshore', 'warehouse')),
  lead_time_days_min int not null check (lead_time_days_min >= 0),
  lead_time_days_max int not null,
  capacity_units int not null check (capacity_units >= 0),
  unit_cost numeric(14, 4) not null check (unit_cost >= 0),
  min_order_units int not null default 1 check (min_order_units >= 1),
  order_multiple int not null default 1 check (order_multiple >= 1),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check (lead_time_days_max >= lead_time_days_min)
);

create table drops (
  id text primary key,
  creator_id text not null references creators (id),
  name text not null,
  opens_at timestamptz not null,
  closes_at timestamptz not null,
  promise_business_days int not null check (promise_business_days >= 0),
  status text not null default 'scheduled' check (status in ('draft', 'scheduled', 'live', 'closed')),
  -- How an order would be fulfilled with no micro-hub (a supplier id or a central warehouse name).
  baseline_source text not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check (closes_at > opens_at)
);
create index drops_creator on drops (creator_id);

create table drop_baseline_paths (
  drop_id text not null references drops (id) on delete cascade,
  region_id text not null references regions (id),
  handling_days int not null check (handling_days >= 0),
  transit_days_min int not null check (transit_days_min >= 0),
  transit_days_max int not null,
  primary key (drop_id, region_id),
  check (transit_days_max >= transit_days_min)
);

create table skus (
  id text primary key,
  drop_id text not null references drops (id) on delete cascade,
  name text not null,
  price numeric(14, 4) not null check (price >= 0),
  unit_cost numeric(14, 4) not null check (unit_cost >= 0),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index skus_drop on skus (drop_id);

create table sku_sourcing (
  sku_id text not null references skus (id) on delete cascade,
  -- 0 is the primary supplier, then fallbacks in priority order.
  priority int not null,
  supplier_id text not null references suppliers (id),
  units_available int not null check (units_available >= 0),
  available_on date not null,
  primary key (sku_id, priority),
  unique (sku_id, supplier_id)
);
