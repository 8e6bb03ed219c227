-- Local pickup (issue 17): a hub may offer pickup slots; a hold may reserve one; a drop sets the
-- share of each region's demand that collects at a pickup hub (the plan places stock for it).
create table hub_pickup (
  hub_id text primary key references hubs (id) on delete cascade,
  address_label text not null,
  slot_minutes int not null check (slot_minutes between 5 and 1440),
  units_per_slot int not null check (units_per_slot > 0),
  -- [{weekday 1–7 (Monday = 1), opens, closes}] in hours 0–24 of the hub's local time, never overlapping on a day
  opening_hours jsonb not null default '[]',
  -- the regions that may collect here; null: every region the hub's lanes reach
  region_ids text[],
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create trigger hub_pickup_changed after insert or update or delete on hub_pickup
  for each statement execute function notify_change('mf_catalog');

-- A hold may reserve a pickup slot at its hub. A slot's use is counted from the holds themselves
-- (active and not past expiry, or confirmed), under a lock on the hub's hub_pickup row, so a
-- released or expired hold frees its slot with no counter to keep.
alter table reservation_holds add column pickup_slot_start timestamptz;
alter table reservation_holds add column pickup_slot_end timestamptz;
create index reservation_holds_pickup on reservation_holds (hub_id, pickup_slot_start)
  where pickup_slot_start is not null and status in ('held', 'confirmed');

create table drop_pickup_shares (
  drop_id text not null references drops (id) on delete cascade,
  region_id text not null references regions (id),
  share numeric(6, 4) not null check (share >= 0 and share <= 1),
  primary key (drop_id, region_id)
);
