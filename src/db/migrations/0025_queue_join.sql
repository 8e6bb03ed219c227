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
-- place: waiting entries and units ahead of it). `p_async_commit` as for place_hold (migration
-- 0009): a server crash can lose the last milliseconds of joins; a lost entry was never offered
-- anything (an offer is written by a later transaction, which would be lost before it).
create function join_queue(
  p_id text, p_drop_id text, p_creator_id text, p_sku_id text, p_region_id text, p_quantity int,
  p_tier text, p_tier_rank int, p_account_hash text, p_claim_seconds int, p_now timestamptz, p_async_commit boolean
) returns table (outcome text, available int, entries_ahead int, units_ahead int)
language plpgsql as $$
declare
  v_available int;
  v_entries int;
  v_units int;
begin
  if p_async_commit then
    perform set_config('synchronous_commit', 'off', true);
  end if;
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
-- as a function so that its plan is kept per connection instead of planned every time. The holds
-- are looked up by the serving hubs (the active-holds index leads with the hub): the query joined
-- them to the hubs, and with table statistics not yet gathered the planner scanned every active hold
-- of the SKU through that index, thousands of index entries of other SKUs with them.
-- holds_by_size: [size, holds of that size] of the active holds.
create function queue_supply(p_sku_id text, p_region_id text, p_now timestamptz)
returns table (holds_by_size json, last_hold_expiry timestamptz, confirmed_units int, returning_units int,
  last_return_at timestamptz, delivery_days_min int, delivery_days_max int)
language plpgsql stable as $$
declare
  v_hubs text[];
  v_days_min int;
  v_days_max int;
begin
  select array_agg(l.hub_id), min(hb.handling_days + l.transit_days_min)::int, max(hb.handling_days + l.transit_days_max)::int
  into v_hubs, v_days_min, v_days_max
  from hub_lanes l join hubs hb on hb.id = l.hub_id where l.region_id = p_region_id;
  return query
  with held as (
    select h.quantity, count(*)::int as holds, max(h.expires_at) as last_expiry from reservation_holds h
    where h.hub_id = any(v_hubs) and h.sku_id = p_sku_id and h.status = 'held'
    group by h.quantity
  ), coming_back as (
    select r.quantity, r.inspection_ends_at from returns r
    where r.sku_id = p_sku_id and r.status = 'inspection' and r.outcome = 'available' and r.hub_id = any(v_hubs)
  )
  select
    (select json_agg(json_build_array(g.quantity, g.holds)) from held g),
    (select max(g.last_expiry) from held g),
    (select coalesce(sum(h.quantity), 0)::int from reservation_holds h
      where h.hub_id = any(v_hubs) and h.sku_id = p_sku_id and h.status = 'confirmed'),
    (select coalesce(sum(r.quantity), 0)::int from coming_back r),
    (select max(greatest(r.inspection_ends_at, p_now)) from coming_back r),
    v_days_min,
    v_days_max;
end;
$$;

-- The offer of migration 0022 with its line heads found by the waiting index, one probe per region
-- the hub serves: it looked at every waiting entry of the SKU and, for each, whether one waited
-- ahead of it, so a release took longer the longer the line (17 ms with 1,230 buyers waiting,
-- 76 ms with 6,302). The same entry is chosen: the first, by tier rank then arrival, of the line
-- heads that fit what the hub has.
create or replace function offer_queued_units(p_hub_id text, p_sku_id text, p_now timestamptz) returns int
language plpgsql as $$
declare
  v_available int;
  v_offers int := 0;
  v_hold_id text;
  v_expires timestamptz;
  e queue_entries%rowtype;
  w record;
  v_event_id text;
begin
  loop
    select hub_stock_available(s) into v_available from hub_stock s
    where s.hub_id = p_hub_id and s.sku_id = p_sku_id for update;
    exit when not found or v_available <= 0;
    -- The head of each line the hub serves (one index probe per region), the first that fits.
    select q.* into e from hub_lanes l
    cross join lateral (
      select h.* from queue_entries h
      where h.sku_id = p_sku_id and h.region_id = l.region_id and h.status = 'waiting'
      order by h.tier_rank, h.seq
      limit 1) q
    where l.hub_id = p_hub_id and q.quantity <= v_available
      and not exists (
        select 1 from drop_access_reserves r join drop_access_tiers t on t.drop_id = r.drop_id and t.name = r.tier
        where r.drop_id = q.drop_id and r.sku_id = q.sku_id and t.ends_at > p_now)
    order by q.tier_rank, q.seq
    limit 1;
    exit when not found;
    v_hold_id := 'hold_q_' || replace(gen_random_uuid()::text, '-', '');
    v_expires := p_now + make_interval(secs => e.claim_seconds);
    -- The entry first: when another transaction offered it or it left meanwhile, nothing is written
    -- and the next statement (a fresh snapshot) looks again.
    update queue_entries q set status = 'offered', hold_id = v_hold_id, offer_seq = nextval('queue_seq'), offered_at = p_now
    where q.id = e.id and q.status = 'waiting';
    continue when not found;
    insert into reservation_holds (id, hub_id, sku_id, region_id, quantity, creator_id, status, created_at, expires_at)
    values (v_hold_id, p_hub_id, p_sku_id, e.region_id, e.quantity, e.creator_id, 'held', p_now, v_expires);
    update hub_stock s set held = s.held + e.quantity, updated_at = p_now
    where s.hub_id = p_hub_id and s.sku_id = p_sku_id;
    -- The offer counts against the account's limits like any hold with access (migration 0020).
    if e.tier is not null or e.account_hash is not null then
      insert into hold_access_claims (hold_id, drop_id, sku_id, region_id, tier, region_units, drop_units, account_hash, quantity)
      values (v_hold_id, e.drop_id, p_sku_id, e.region_id, e.tier, 0, 0, e.account_hash, e.quantity);
    end if;
    for w in
      select x.id from webhook_subscriptions x
      where x.active and x.creator_id = e.creator_id and 'queue.offer' = any(x.event_types)
    loop
      v_event_id := 'evt_' || gen_random_uuid()::text;
      insert into webhook_outbox (id, subscription_id, event_type, payload, next_attempt_at, created_at)
      values (v_event_id, w.id, 'queue.offer',
        json_build_object(
          'id', v_event_id,
          'type', 'queue.offer',
          'created_at', to_char(p_now at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
          'data', json_build_object(
            'entry_id', e.id, 'drop_id', e.drop_id, 'sku_id', p_sku_id, 'region_id', e.region_id,
            'quantity', e.quantity, 'tier', e.tier, 'hold_id', v_hold_id, 'hub_id', p_hub_id,
            'claim_by', to_char(v_expires at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')))::text,
        p_now, p_now);
    end loop;
    v_offers := v_offers + 1;
  end loop;
  return v_offers;
end;
$$;

-- Holds with access rules (issue 16, performance). A tiered hold computes the SKU's reserves under
-- the SKU's lock (migration 0020), so every statement there is paid once per hold, one hold at a
-- time. The same arithmetic as before with fewer statements: access_pools reads every tier × scope
-- with its share and counters in one query (it ran three per tier and scope), and check_hold_access
-- reads the account's SKU and drop usage in one pass over its claims (it ran two). Same outputs,
-- same locks in the same order.
create or replace function access_pools(p_drop_id text, p_sku_id text, p_now timestamptz)
returns table (tier text, tier_position int, scope text, starts_at timestamptz, ends_at timestamptz,
  reserved int, rolled_in int, used int, protected int, rolled_over int)
language plpgsql stable as $$
declare
  v_stock int;
  v_scope text;
  v_carry int;
  v_effective int;
  t record;
begin
  select coalesce(sum(greatest(l.on_hand + l.inbound, 0)), 0)::int into v_stock
  from hub_stock_levels l where l.sku_id = p_sku_id;
  for t in
    select sc.scope, x.name, x.position, x.starts_at, x.ends_at,
      coalesce(floor(r.share * v_stock), 0)::int as reserved,
      (coalesce(u.units, 0) - coalesce(f.units, 0))::int as used
    from (select distinct d.scope from drop_access_reserves d where d.drop_id = p_drop_id and d.sku_id = p_sku_id) sc
    cross join drop_access_tiers x
    left join drop_access_reserves r
      on r.drop_id = p_drop_id and r.tier = x.name and r.sku_id = p_sku_id and r.scope = sc.scope
    left join access_reserve_claimed u
      on u.drop_id = p_drop_id and u.sku_id = p_sku_id and u.tier = x.name and u.scope = sc.scope
    left join access_reserve_freed f
      on f.drop_id = p_drop_id and f.sku_id = p_sku_id and f.tier = x.name and f.scope = sc.scope
    where x.drop_id = p_drop_id
    order by sc.scope, x.position
  loop
    if v_scope is distinct from t.scope then
      v_scope := t.scope;
      v_carry := 0;
    end if;
    v_effective := t.reserved + v_carry;
    if v_effective > 0 or t.used > 0 then
      if p_now >= t.ends_at then
        return query select t.name, t.position, t.scope, t.starts_at, t.ends_at, t.reserved, v_carry, t.used, 0,
          greatest(v_effective - t.used, 0);
        v_carry := greatest(v_effective - t.used, 0);
      else
        return query select t.name, t.position, t.scope, t.starts_at, t.ends_at, t.reserved, v_carry, t.used,
          greatest(v_effective - t.used, 0), 0;
        v_carry := 0;
      end if;
    end if;
  end loop;
end;
$$;

create or replace function check_hold_access(
  p_hold_id text, p_drop_id text, p_sku_id text, p_region_id text, p_tier text, p_account_hash text,
  p_quantity int, p_now timestamptz
) returns table (outcome text, available int, used int, account_limit int, take_region int, take_drop int)
language plpgsql as $$
declare
  v_available int;
  v_protected int := 0;
  v_own_region int := 0;
  v_own_drop int := 0;
  v_take_region int := 0;
  v_take_drop int := 0;
  v_sku_limit int;
  v_drop_limit int;
  v_sku_used int;
  v_drop_used int;
  p record;
begin
  if exists (select 1 from hold_access_claims c where c.hold_id = p_hold_id) then
    return query select 'existing'::text, null::int, null::int, null::int, 0, 0;
    return;
  end if;
  if exists (select 1 from drop_access_reserves r where r.drop_id = p_drop_id and r.sku_id = p_sku_id) then
    perform pg_advisory_xact_lock(16001, hashtext(p_sku_id));
    -- Available first, reserves second: a release committing in between can only make this stricter.
    select coalesce(sum(l.available), 0)::int into v_available from hub_stock_levels l where l.sku_id = p_sku_id;
    for p in select * from access_pools(p_drop_id, p_sku_id, p_now) loop
      v_protected := v_protected + p.protected;
      if p_tier is not null and p.tier = p_tier and p_now >= p.starts_at and p_now < p.ends_at then
        if p.scope = p_region_id then v_own_region := p.protected;
        elsif p.scope = '' then v_own_drop := p.protected;
        end if;
      end if;
    end loop;
    v_take_region := least(p_quantity, v_own_region);
    v_take_drop := least(p_quantity - v_take_region, v_own_drop);
    if v_available - p_quantity < v_protected - v_take_region - v_take_drop then
      return query select 'reserved'::text,
        greatest(greatest(v_available - v_protected, 0) + v_own_region + v_own_drop, 0), null::int, null::int, 0, 0;
      return;
    end if;
  end if;
  if p_account_hash is not null then
    select (select l.per_account from drop_access_sku_limits l where l.drop_id = p_drop_id and l.sku_id = p_sku_id),
      (select a.per_drop_limit from drop_access a where a.drop_id = p_drop_id)
    into v_sku_limit, v_drop_limit;
    if v_sku_limit is not null or v_drop_limit is not null then
      perform pg_advisory_xact_lock(16002, hashtext(p_drop_id || ':' || p_account_hash));
      -- After the lock (a fresh snapshot): the account's holds that committed while this one waited count.
      select coalesce(sum(c.quantity) filter (where c.sku_id = p_sku_id), 0)::int, coalesce(sum(c.quantity), 0)::int
      into v_sku_used, v_drop_used
      from hold_access_claims c join reservation_holds h on h.id = c.hold_id
      where c.drop_id = p_drop_id and c.account_hash = p_account_hash
        and ((h.status = 'held' and h.expires_at > p_now) or h.status = 'confirmed');
      if v_sku_limit is not null and v_sku_used + p_quantity > v_sku_limit then
        return query select 'sku_limit'::text, null::int, v_sku_used, v_sku_limit, 0, 0;
        return;
      end if;
      if v_drop_limit is not null and v_drop_used + p_quantity > v_drop_limit then
        return query select 'drop_limit'::text, null::int, v_drop_used, v_drop_limit, 0, 0;
        return;
      end if;
    end if;
  end if;
  return query select 'ok'::text, null::int, null::int, null::int, v_take_region, v_take_drop;
end;
$$;
