-- Forecasts: stored and versioned per drop, with the model that made them and the feature values
-- it used. A cell is one SKU × region: mean, the negative-binomial dispersion (variance =
-- mean + dispersion·mean²; 0 = Poisson) so the allocator can rebuild the whole distribution, and
-- the quantiles at 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95 (integers, non-decreasing).

create table forecasts (
  id text primary key,
  drop_id text not null references drops (id) on delete cascade,
  version int not null,
  model_id text not null,
  model_kind text not null,
  -- True when the drop had no signals yet: the forecast rests on the prior alone.
  prior_only boolean not null default false,
  -- Days from the forecast's as-of instant to the drop's opening (negative once open).
  lead_days double precision not null,
  as_of timestamptz not null,
  summary jsonb not null default '{}',
  created_at timestamptz not null default now(),
  unique (drop_id, version)
);

create table forecast_cells (
  forecast_id text not null references forecasts (id) on delete cascade,
  sku_id text not null,
  region_id text not null,
  mean double precision not null check (mean >= 0),
  dispersion double precision not null check (dispersion >= 0),
  quantiles double precision[] not null,
  -- The feature values the model saw for this cell, by feature name.
  features jsonb not null default '{}',
  primary key (forecast_id, sku_id, region_id)
);

-- Closed drops' realised demand and the features as they stood at several lead times: the
-- training history (the learning loop). Imported past drops land here too.
create table demand_history (
  drop_id text not null,
  creator_id text not null,
  sku_id text not null,
  region_id text not null,
  opens_at timestamptz not null,
  closes_at timestamptz not null,
  price double precision not null,
  realised_demand int not null check (realised_demand >= 0),
  -- { "<lead days>": { feature values or raw signals at that lead time } }
  snapshots jsonb not null default '{}',
  source text not null check (source in ('closed-drop', 'import')),
  recorded_at timestamptz not null default now(),
  primary key (drop_id, sku_id, region_id)
);
