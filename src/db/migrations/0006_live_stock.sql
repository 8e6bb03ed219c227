-- Live stock per hub and SKU, reservation holds, and change notifications for replicas' caches.
--
-- hub_stock keeps running counters so a hold is one conditional UPDATE (the row lock serialises
-- concurrent holds on the same hub and SKU: no oversell). Triggers keep the counters in step with
-- inventory events and with the published plan, whichever module writes them.
--   on_hand   = (received > 0 ? received : planned) + adjusted − shipped
--               (before a hub confirms receipt, the published plan's allocation is the stock expected there)
--   reserved  = reserved − released events, plus confirmed holds
--   available = on_hand − reserved − held (active holds)

create table hub_stock (
  hub_id text not null references hubs (id) on delete cascade,
  sku_id text not null,
  planned int not null default 0,
  received int not null default 0,
  shipped int not null default 0,
  adjusted int not null default 0,
  reserved_events int not null default 0,
  confirmed int not null default 0,
  held int not null default 0 check (held >= 0),
  updated_at timestamptz not null default now(),
  primary key (hub_id, sku_id)
);

create table reservation_holds (
  id text primary key,
  hub_id text not null,
  sku_id text not null,
  region_id text not null,
  quantity int not null check (quantity > 0),
  -- The storefront's creator: holds are tenant data.
  creator_id text not null,
  status text not null check (status in ('held', 'confirmed', 'released', 'expired')),
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  ended_at timestamptz
);
create index reservation_holds_active on reservation_holds (hub_id, sku_id, expires_at) where status = 'held';

create function apply_inventory_event() returns trigger language plpgsql as $$
begin
  insert into hub_stock (hub_id, sku_id, received, shipped, adjusted, reserved_events)
  values (
    new.hub_id, new.sku_id,
    case when new.type = 'received' then new.quantity else 0 end,
    case when new.type = 'shipped' then new.quantity else 0 end,
    case when new.type = 'adjusted' then new.quantity else 0 end,
    case when new.type = 'reserved' then new.quantity when new.type = 'released' then -new.quantity else 0 end
  )
  on conflict (hub_id, sku_id) do update set
    received = hub_stock.received + excluded.received,
    shipped = hub_stock.shipped + excluded.shipped,
    adjusted = hub_stock.adjusted + excluded.adjusted,
    reserved_events = hub_stock.reserved_events + excluded.reserved_events,
    updated_at = now();
  return null;
end;
$$;

create trigger inventory_events_to_hub_stock after insert on inventory_events
  for each row execute function apply_inventory_event();

-- When a plan becomes the published one, its allocations become the planned stock of its drop's SKUs.
create function apply_published_plan() returns trigger language plpgsql as $$
begin
  update hub_stock set planned = 0, updated_at = now()
  where sku_id in (select id from skus where drop_id = new.drop_id) and planned <> 0;
  insert into hub_stock (hub_id, sku_id, planned)
  select a.hub_id, a.sku_id, a.units from plan_allocations a where a.plan_id = new.id and a.units > 0
  on conflict (hub_id, sku_id) do update set planned = excluded.planned, updated_at = now();
  return null;
end;
$$;

create trigger plans_published_to_hub_stock after update of status on plans
  for each row when (new.status = 'published' and old.status is distinct from 'published')
  execute function apply_published_plan();

create trigger plans_inserted_published_to_hub_stock after insert on plans
  for each row when (new.status = 'published')
  execute function apply_published_plan();

-- Notifications (delivered at commit, collapsed per transaction): replicas refresh their caches.
create function notify_change() returns trigger language plpgsql as $$
begin
  perform pg_notify(tg_argv[0], tg_table_name);
  return null;
end;
$$;

create trigger hub_stock_changed after insert or update or delete on hub_stock
  for each statement execute function notify_change('mf_stock');
create trigger plans_changed after insert or update on plans
  for each statement execute function notify_change('mf_catalog');
create trigger hubs_changed after insert or update or delete on hubs
  for each statement execute function notify_change('mf_catalog');
create trigger hub_lanes_changed after insert or update or delete on hub_lanes
  for each statement execute function notify_change('mf_catalog');
create trigger regions_changed after insert or update or delete on regions
  for each statement execute function notify_change('mf_catalog');
create trigger region_prefixes_changed after insert or update or delete on region_postal_prefixes
  for each statement execute function notify_change('mf_catalog');
create trigger drops_changed after insert or update or delete on drops
  for each statement execute function notify_change('mf_catalog');
create trigger drop_baseline_changed after insert or update or delete on drop_baseline_paths
  for each statement execute function notify_change('mf_catalog');
create trigger skus_changed after insert or update or delete on skus
  for each statement execute function notify_change('mf_catalog');
create trigger sku_sourcing_changed after insert or update or delete on sku_sourcing
  for each statement execute function notify_change('mf_catalog');
create trigger suppliers_changed after insert or update or delete on suppliers
  for each statement execute function notify_change('mf_catalog');
create trigger api_keys_changed after update or delete on api_keys
  for each statement execute function notify_change('mf_keys');
