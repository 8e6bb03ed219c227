-- A queue join in one statement (issue 16, performance): the stock check, the entry and its place
-- in line, instead of a round trip for each and a transaction that locked the serving hub rows for
-- update after every join (which made joins of one SKU and region wait for each other).
--
-- Place in line without counting the line: the waiting entries and their units per SKU, region and
-- tier rank, kept by a trigger on queue_entries. Spread over 8 shards (by entry id, so an entry
-- leaves the shard it joined) so that parallel joins of one line do not all wait for one counter
-- row until they commit. A new entry is the last of its rank: what waits ahead of it is every
-- waiting entry of its rank and of the ranks before it.

create table queue_waiting_totals (
  sku_id text not null,
  region_id text not null,
  tier_rank int not null,
  shard int not null,
  entries int not null,
  units int not null,
  primary key (sku_id, region_id, tier_rank, shard)
);

insert into queue_waiting_totals (sku_id, region_id, tier_rank, shard, entries, units)
select sku_id, region_id, tier_rank, abs(hashtext(id)) % 8, count(*)::int, sum(quantity)::int
from queue_entries where status = 'waiting'
group by 1, 2, 3, 4;

create function count_waiting_entry() returns trigger language plpgsql as $$
begin
  if tg_op in ('UPDATE', 'DELETE') and old.status = 'waiting' then
    update queue_waiting_totals t set entries = t.entries - 1, units = t.units - old.quantity
    where t.sku_id = old.sku_id and t.region_id = old.region_id and t.tier_rank = old.tier_rank
      and t.shard = abs(hashtext(old.id)) % 8;
  end if;
  if tg_op in ('INSERT', 'UPDATE') and new.status = 'waiting' then
    insert into queue_waiting_totals as t (sku_id, region_id, tier_rank, shard, entries, units)
    values (new.sku_id, new.region_id, new.tier_rank, abs(hashtext(new.id)) % 8, 1, new.quantity)
    on conflict (sku_id, region_id, tier_rank, shard)
    do update set entries = t.entries + 1, units = t.units + excluded.units;
  end if;
  return null;
end;
$$;
create trigger queue_entries_count_waiting after insert or delete on queue_entries
  for each row execute function count_waiting_entry();
create trigger queue_entries_count_waiting_change after update on queue_entries
  for each row when (old.status is distinct from new.status
    or (old.status = 'waiting' and (old.sku_id, old.region_id, old.tier_rank, old.quantity)
      is distinct from (new.sku_id, new.region_id, new.tier_rank, new.quantity)))
  execute function count_waiting_entry();

-- Joins the queue of a SKU in a region, one statement. The hub_stock rows of every hub serving the
-- region are locked for share (all of them, in hub order, whatever they have available) and stay
-- locked until the join commits: no unit can free at those hubs between the stock check and the
-- entry becoming visible, and a freeing that commits later runs its offer trigger (migration 0022)
-- with the entry there. Parallel joins share the locks and do not wait for each other.
-- outcome: 'in_stock' (a serving hub has p_quantity available; available = the most at one hub;
-- nothing written) or 'joined' (available = the most at one hub, below p_quantity, with the entry's
-- place: waiting entries and units ahead of it).
create function join_queue(
  p_id text, p_drop_id text, p_creator_id text, p_sku_id text, p_region_id text, p_quantity int,
  p_tier text, p_tier_rank int, p_account_hash text, p_claim_seconds int, p_now timestamptz
) returns table (outcome text, available int, entries_ahead int, units_ahead int)
language plpgsql as $$
declare
  v_available int;
  v_entries int;
  v_units int;
begin
  select coalesce(max(x.available), 0)::int into v_available from (
    select hub_stock_available(s) as available
    from hub_stock s join hub_lanes l on l.hub_id = s.hub_id
    where s.sku_id = p_sku_id and l.region_id = p_region_id
    order by s.hub_id
    for share of s) x;
  if v_available >= p_quantity then
    return query select 'in_stock'::text, v_available, null::int, null::int;
    return;
  end if;
  insert into queue_entries (id, drop_id, creator_id, sku_id, region_id, quantity, tier, tier_rank, account_hash, claim_seconds, joined_at)
  values (p_id, p_drop_id, p_creator_id, p_sku_id, p_region_id, p_quantity, p_tier, p_tier_rank, p_account_hash, p_claim_seconds, p_now);
  select coalesce(sum(t.entries), 0)::int - 1, coalesce(sum(t.units), 0)::int - p_quantity into v_entries, v_units
  from queue_waiting_totals t
  where t.sku_id = p_sku_id and t.region_id = p_region_id and t.tier_rank <= p_tier_rank;
  return query select 'joined'::text, v_available, v_entries, v_units;
end;
$$;

-- What may still free up for a SKU at the hubs serving a region, and how fast those hubs deliver
-- (the expected outcome of a waiting entry): the query the service sent with each join and read,
-- as a function so that its plan is kept per connection instead of planned every time, and the
-- active holds read once. holds_by_size: [size, holds of that size] of the active holds.
create function queue_supply(p_sku_id text, p_region_id text, p_now timestamptz)
returns table (holds_by_size json, last_hold_expiry timestamptz, confirmed_units int, returning_units int,
  last_return_at timestamptz, delivery_days_min int, delivery_days_max int)
language plpgsql stable as $$
begin
  return query
  with serving as (
    select l.hub_id, hb.handling_days + l.transit_days_min as days_min, hb.handling_days + l.transit_days_max as days_max
    from hub_lanes l join hubs hb on hb.id = l.hub_id where l.region_id = p_region_id
  ), held as (
    select h.quantity, count(*)::int as holds, max(h.expires_at) as last_expiry from reservation_holds h
    where h.sku_id = p_sku_id and h.status = 'held' and h.hub_id in (select s.hub_id from serving s)
    group by h.quantity
  ), coming_back as (
    select r.quantity, r.inspection_ends_at from returns r
    where r.sku_id = p_sku_id and r.status = 'inspection' and r.outcome = 'available'
      and r.hub_id in (select s.hub_id from serving s)
  )
  select
    (select json_agg(json_build_array(g.quantity, g.holds)) from held g),
    (select max(g.last_expiry) from held g),
    (select coalesce(sum(h.quantity), 0)::int from reservation_holds h
      where h.sku_id = p_sku_id and h.status = 'confirmed' and h.hub_id in (select s.hub_id from serving s)),
    (select coalesce(sum(r.quantity), 0)::int from coming_back r),
    (select max(greatest(r.inspection_ends_at, p_now)) from coming_back r),
    (select min(s.days_min) from serving s)::int,
    (select max(s.days_max) from serving s)::int;
end;
$$;
