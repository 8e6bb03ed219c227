-- Allocation plans: draft → published → superseded (what-if plans are never published). A plan
-- records the forecast and a snapshot of the catalog it used, so it can be explained later.

create table plans (
  id text primary key,
  drop_id text not null references drops (id) on delete cascade,
  version int not null,
  status text not null check (status in ('draft', 'published', 'superseded', 'what_if')),
  forecast_id text references forecasts (id),
  -- The hubs, lanes, suppliers and sourcing the plan was computed from.
  catalog_snapshot jsonb not null,
  -- What-if overrides (hub capacities, suppliers unavailable, promise); '{}' for a real plan.
  overrides jsonb not null default '{}',
  solver jsonb not null,
  totals jsonb not null,
  unserved_regions jsonb not null default '[]',
  sku_issues jsonb not null default '[]',
  created_at timestamptz not null default now(),
  published_at timestamptz,
  superseded_at timestamptz,
  unique (drop_id, version)
);
-- At most one published plan per drop: publishing supersedes the previous one in one transaction.
create unique index plans_one_published_per_drop on plans (drop_id) where status = 'published';

create table plan_allocations (
  plan_id text not null references plans (id) on delete cascade,
  sku_id text not null,
  hub_id text not null,
  units int not null check (units >= 0),
  primary key (plan_id, sku_id, hub_id)
);
create index plan_allocations_hub on plan_allocations (hub_id);

create table plan_supplier_orders (
  plan_id text not null references plans (id) on delete cascade,
  line_no int not null,
  supplier_id text not null,
  sku_id text not null,
  quantity int not null check (quantity > 0),
  destination_hub_id text not null,
  ship_by timestamptz not null,
  arrive_by timestamptz not null,
  is_fallback boolean not null,
  reason text not null,
  premium double precision not null default 0,
  primary key (plan_id, line_no)
);
create index plan_supplier_orders_hub on plan_supplier_orders (destination_hub_id);

create table plan_regions (
  plan_id text not null references plans (id) on delete cascade,
  region_id text not null,
  sku_id text not null,
  serving_hub_id text,
  candidate_hub_ids text[] not null default '{}',
  in_stock_probability double precision not null,
  delivery_days_p50 double precision,
  delivery_days_p90 double precision,
  baseline_days double precision,
  lead_time_delta_days double precision,
  lead_time_delta_days_p90 double precision,
  primary key (plan_id, region_id, sku_id)
);
