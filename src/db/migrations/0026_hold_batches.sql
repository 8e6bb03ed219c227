-- Holds placed in batches (issue 16, performance). Every hold of a SKU at a hub updates the same
-- hub_stock row, and a hold on a drop with access reserves also takes the SKU's reserve lock
-- (migration 0020): parallel holds of one SKU wait for each other whatever the service does. Each
-- one used to pay, inside that wait, a round trip, a lock hand-over and a commit of its own. The
-- service now sends the holds that arrived while the SKU's previous statement ran as one statement:
-- one hold after another, in one transaction, so the wait is paid once per batch. A hold placed in
-- a batch sees every hold placed before it in the batch, exactly as if they had run one after
-- another, which is what the locks made of them anyway.
--
-- The access step of a hold (check_hold_access, migrations 0020 and 0025) is split into its parts
-- so that a batch can share the one that costs most: the SKU's reserves (access_pools) are read
-- once per batch under the SKU's lock and then kept up to date in the batch as its holds take
-- reserve units, instead of read again for every hold. The arithmetic, the account limits and the
-- claim are each one function, used by the lone hold and by the batch alike.

-- Whether `p_quantity` more units may be held by a buyer of `p_buyer_tier` in `p_region_id` at
-- `p_now`, given the SKU's available units (Σ over hubs) and its reserve pools (access_pools' rows
-- as arrays: tier, scope, window, protected units). A hold may leave the available units below the
-- total protected only by what it takes from its own tier's reserves, inside its own window: first
-- the reserve for its region, then the drop-wide one. allowed = false: `available` is what this
-- buyer may still take. region_pool and drop_pool: which pools (array index, 0: none) it takes from.
create function access_reserve_take(
  p_available int, p_tier text[], p_scope text[], p_starts timestamptz[], p_ends timestamptz[], p_protected int[],
  p_buyer_tier text, p_region_id text, p_quantity int, p_now timestamptz
) returns table (allowed boolean, available int, take_region int, take_drop int, region_pool int, drop_pool int)
language plpgsql immutable as $$
declare
  v_total int := 0;
  v_own_region int := 0;
  v_own_drop int := 0;
  v_region_pool int := 0;
  v_drop_pool int := 0;
  v_take_region int;
  v_take_drop int;
begin
  for i in 1 .. coalesce(array_length(p_tier, 1), 0) loop
    v_total := v_total + p_protected[i];
    if p_buyer_tier is not null and p_tier[i] = p_buyer_tier and p_now >= p_starts[i] and p_now < p_ends[i] then
      if p_scope[i] = p_region_id then
        v_own_region := p_protected[i];
        v_region_pool := i;
      elsif p_scope[i] = '' then
        v_own_drop := p_protected[i];
        v_drop_pool := i;
      end if;
    end if;
  end loop;
  v_take_region := least(p_quantity, v_own_region);
  v_take_drop := least(p_quantity - v_take_region, v_own_drop);
  if p_available - p_quantity < v_total - v_take_region - v_take_drop then
    return query select false, greatest(greatest(p_available - v_total, 0) + v_own_region + v_own_drop, 0), 0, 0, 0, 0;
    return;
  end if;
  return query select true, null::int, v_take_region, v_take_drop, v_region_pool, v_drop_pool;
end;
$$;

-- The account's room on a drop: takes the account's lock when the drop limits accounts, then counts
-- its units in active and confirmed holds (after the lock: a fresh snapshot, so the account's holds
-- that committed while this one waited count). outcome 'ok', 'sku_limit' or 'drop_limit' (used and
-- account_limit say how far).
create function account_room(
  p_drop_id text, p_sku_id text, p_account_hash text, p_quantity int, p_now timestamptz
) returns table (outcome text, used int, account_limit int)
language plpgsql as $$
declare
  v_sku_limit int;
  v_drop_limit int;
  v_sku_used int;
  v_drop_used int;
begin
  select (select l.per_account from drop_access_sku_limits l where l.drop_id = p_drop_id and l.sku_id = p_sku_id),
    (select a.per_drop_limit from drop_access a where a.drop_id = p_drop_id)
  into v_sku_limit, v_drop_limit;
  if v_sku_limit is null and v_drop_limit is null then
    return query select 'ok'::text, null::int, null::int;
    return;
  end if;
  perform pg_advisory_xact_lock(16002, hashtext(p_drop_id || ':' || p_account_hash));
  select coalesce(sum(c.quantity) filter (where c.sku_id = p_sku_id), 0)::int, coalesce(sum(c.quantity), 0)::int
  into v_sku_used, v_drop_used
  from hold_access_claims c join reservation_holds h on h.id = c.hold_id
  where c.drop_id = p_drop_id and c.account_hash = p_account_hash
    and ((h.status = 'held' and h.expires_at > p_now) or h.status = 'confirmed');
  if v_sku_limit is not null and v_sku_used + p_quantity > v_sku_limit then
    return query select 'sku_limit'::text, v_sku_used, v_sku_limit;
    return;
  end if;
  if v_drop_limit is not null and v_drop_used + p_quantity > v_drop_limit then
    return query select 'drop_limit'::text, v_drop_used, v_drop_limit;
    return;
  end if;
  return query select 'ok'::text, null::int, null::int;
end;
$$;

-- What a hold with access claimed: its buyer's tier, the reserve units it took (region, drop-wide)
-- and its account, and the tier's claimed counters.
create function claim_hold_access(
  p_id text, p_drop_id text, p_sku_id text, p_region_id text, p_tier text, p_account_hash text, p_quantity int,
  p_take_region int, p_take_drop int
) returns void
language plpgsql as $$
begin
  insert into hold_access_claims (hold_id, drop_id, sku_id, region_id, tier, region_units, drop_units, account_hash, quantity)
  values (p_id, p_drop_id, p_sku_id, p_region_id, p_tier, p_take_region, p_take_drop, p_account_hash, p_quantity);
  if p_take_region > 0 then
    insert into access_reserve_claimed as u (drop_id, sku_id, tier, scope, units)
    values (p_drop_id, p_sku_id, p_tier, p_region_id, p_take_region)
    on conflict (drop_id, sku_id, tier, scope) do update set units = u.units + excluded.units;
  end if;
  if p_take_drop > 0 then
    insert into access_reserve_claimed as u (drop_id, sku_id, tier, scope, units)
    values (p_drop_id, p_sku_id, p_tier, '', p_take_drop)
    on conflict (drop_id, sku_id, tier, scope) do update set units = u.units + excluded.units;
  end if;
end;
$$;

-- The SKU's reserve lock (held to the end of the transaction), then, in one snapshot taken after
-- the wait, its available units (Σ over hubs) and its reserve pools at p_now as arrays, in the form
-- access_reserve_take reads them.
create function lock_sku_reserves(p_drop_id text, p_sku_id text, p_now timestamptz)
returns table (available int, tiers text[], scopes text[], starts timestamptz[], ends timestamptz[], protected int[])
language plpgsql as $$
begin
  perform pg_advisory_xact_lock(16001, hashtext(p_sku_id));
  return query
  select (select coalesce(sum(l.available), 0)::int from hub_stock_levels l where l.sku_id = p_sku_id),
    array_agg(p.tier), array_agg(p.scope), array_agg(p.starts_at), array_agg(p.ends_at), array_agg(p.protected)
  from access_pools(p_drop_id, p_sku_id, p_now) p;
end;
$$;

-- The access step of one hold, as before (same arguments, same answers), from the parts above.
create or replace function check_hold_access(
  p_hold_id text, p_drop_id text, p_sku_id text, p_region_id text, p_tier text, p_account_hash text,
  p_quantity int, p_now timestamptz
) returns table (outcome text, available int, used int, account_limit int, take_region int, take_drop int)
language plpgsql as $$
declare
  v_take_region int := 0;
  v_take_drop int := 0;
  k record;
  t record;
  a record;
begin
  if exists (select 1 from hold_access_claims c where c.hold_id = p_hold_id) then
    return query select 'existing'::text, null::int, null::int, null::int, 0, 0;
    return;
  end if;
  if exists (select 1 from drop_access_reserves r where r.drop_id = p_drop_id and r.sku_id = p_sku_id) then
    select * into k from lock_sku_reserves(p_drop_id, p_sku_id, p_now);
    select * into t from access_reserve_take(k.available, k.tiers, k.scopes, k.starts, k.ends, k.protected,
      p_tier, p_region_id, p_quantity, p_now);
    if not t.allowed then
      return query select 'reserved'::text, t.available, null::int, null::int, 0, 0;
      return;
    end if;
    v_take_region := t.take_region;
    v_take_drop := t.take_drop;
  end if;
  if p_account_hash is not null then
    select * into a from account_room(p_drop_id, p_sku_id, p_account_hash, p_quantity, p_now);
    if a.outcome <> 'ok' then
      return query select a.outcome, null::int, a.used, a.account_limit, 0, 0;
      return;
    end if;
  end if;
  return query select 'ok'::text, null::int, null::int, null::int, v_take_region, v_take_drop;
end;
$$;

-- A hold on a drop with access rules, alone, as before (migration 0020), with its claim written by
-- claim_hold_access.
create or replace function place_hold_with_access(
  p_id text, p_hub_ids text[], p_sku_id text, p_region_id text, p_quantity int, p_creator_id text,
  p_now timestamptz, p_expires_at timestamptz, p_async_commit boolean,
  p_drop_id text, p_tier text, p_account_hash text
) returns table (outcome text, hub_id text, available int, used int, account_limit int)
language plpgsql as $$
declare
  c record;
  r record;
  v_hub text;
  v_best int := 0;
begin
  select * into c from check_hold_access(p_id, p_drop_id, p_sku_id, p_region_id, p_tier, p_account_hash, p_quantity, p_now);
  if c.outcome = 'existing' then
    return query select 'existing'::text, null::text, null::int, null::int, null::int;
    return;
  end if;
  if c.outcome <> 'ok' then
    return query select c.outcome, null::text, c.available, c.used, c.account_limit;
    return;
  end if;
  foreach v_hub in array p_hub_ids loop
    select * into r from place_hold(p_id, v_hub, p_sku_id, p_region_id, p_quantity, p_creator_id, p_now, p_expires_at, p_async_commit);
    if r.outcome = 'existing' then
      return query select 'existing'::text, null::text, null::int, null::int, null::int;
      return;
    end if;
    if r.outcome = 'held' then
      perform claim_hold_access(p_id, p_drop_id, p_sku_id, p_region_id, p_tier, p_account_hash, p_quantity,
        c.take_region, c.take_drop);
      return query select 'held'::text, v_hub, r.available, null::int, null::int;
      return;
    end if;
    v_best := greatest(v_best, coalesce(r.available, 0));
  end loop;
  return query select 'refused'::text, null::text, v_best, null::int, null::int;
end;
$$;

-- Several holds in one statement and one transaction.
--
-- p_holds: a JSON array, one object per hold: id, hub_ids (lane order), sku_id, region_id,
-- quantity, creator_id, now, expires_at, and with access rules (access = true) drop_id, tier and
-- account_hash. Two batches of a SKU may be in flight at once (the second waits for the first's
-- locks), so a batch takes its locks in one order: holds with access first (the SKU's reserve lock
-- before anything else), by account hash (the accounts' locks), then plain holds by their first hub
-- (its stock row). A rarer cycle (a hold falling back to its second hub, or a release of a hold that
-- fell due meanwhile) is broken by PostgreSQL's deadlock detection, and the service then places
-- that batch's holds one by one.
--
-- The SKU's reserves are read once (its available units, then its pools), under its lock, which the
-- batch then keeps to its commit: no other hold with access of the SKU runs meanwhile. Each hold of
-- the batch then takes its units off the available count and its reserve units off its pools. They
-- are read again only for another drop or SKU, or when a tier's window ended between the moment
-- they were read and a hold's own (a rollover moves units between pools). Units that free up
-- meanwhile (a release, an expiry) are not seen until then: the check can only be stricter.
--
-- One row per hold, by its index in p_holds: outcome 'held' (hub_id), 'existing', 'refused'
-- (available = the most one hub had) or the access step's refusal ('reserved' with what the buyer
-- may still take, 'sku_limit' or 'drop_limit' with used and account_limit).
create function place_holds(p_holds jsonb, p_async_commit boolean)
returns table (ord int, outcome text, hub_id text, available int, used int, account_limit int)
language plpgsql as $$
declare
  h record;
  r record;
  t record;
  a record;
  v_hub text;
  v_best int;
  v_placed boolean;
  v_pools_of text;
  v_pools_at timestamptz;
  v_reserved_sku boolean;
  v_available int;
  v_tier text[];
  v_scope text[];
  v_starts timestamptz[];
  v_ends timestamptz[];
  v_protected int[];
  v_take_region int;
  v_take_drop int;
  v_region_pool int;
  v_drop_pool int;
begin
  for h in
    select x.*, (e.n - 1)::int as idx
    from jsonb_array_elements(p_holds) with ordinality as e(item, n)
    cross join lateral jsonb_to_record(e.item) as x(
      id text, hub_ids text[], sku_id text, region_id text, quantity int, creator_id text,
      now timestamptz, expires_at timestamptz, access boolean, drop_id text, tier text, account_hash text)
    order by coalesce(x.access, false) desc, x.account_hash nulls first, x.hub_ids[1], e.n
  loop
    v_take_region := 0;
    v_take_drop := 0;
    v_region_pool := 0;
    v_drop_pool := 0;
    if coalesce(h.access, false) then
      if exists (select 1 from hold_access_claims c where c.hold_id = h.id) then
        return query select h.idx, 'existing'::text, null::text, null::int, null::int, null::int;
        continue;
      end if;
      if v_pools_of is distinct from h.drop_id || E'\t' || h.sku_id
        or (v_reserved_sku and exists (
          select 1 from unnest(v_ends) w(ends_at)
          where w.ends_at > least(v_pools_at, h.now) and w.ends_at <= greatest(v_pools_at, h.now))) then
        v_pools_of := h.drop_id || E'\t' || h.sku_id;
        v_pools_at := h.now;
        v_reserved_sku := exists (select 1 from drop_access_reserves x where x.drop_id = h.drop_id and x.sku_id = h.sku_id);
        if v_reserved_sku then
          select l.available, l.tiers, l.scopes, l.starts, l.ends, l.protected
          into v_available, v_tier, v_scope, v_starts, v_ends, v_protected
          from lock_sku_reserves(h.drop_id, h.sku_id, h.now) l;
        end if;
      end if;
      if v_reserved_sku then
        select * into t from access_reserve_take(v_available, v_tier, v_scope, v_starts, v_ends, v_protected,
          h.tier, h.region_id, h.quantity, h.now);
        if not t.allowed then
          return query select h.idx, 'reserved'::text, null::text, t.available, null::int, null::int;
          continue;
        end if;
        v_take_region := t.take_region;
        v_take_drop := t.take_drop;
        v_region_pool := t.region_pool;
        v_drop_pool := t.drop_pool;
      end if;
      if h.account_hash is not null then
        select * into a from account_room(h.drop_id, h.sku_id, h.account_hash, h.quantity, h.now);
        if a.outcome <> 'ok' then
          return query select h.idx, a.outcome, null::text, null::int, a.used, a.account_limit;
          continue;
        end if;
      end if;
    end if;
    v_best := 0;
    v_placed := false;
    foreach v_hub in array h.hub_ids loop
      select * into r from place_hold(h.id, v_hub, h.sku_id, h.region_id, h.quantity, h.creator_id,
        h.now, h.expires_at, p_async_commit);
      if r.outcome = 'existing' then
        return query select h.idx, 'existing'::text, null::text, null::int, null::int, null::int;
        v_placed := true;
        exit;
      end if;
      if r.outcome = 'held' then
        if coalesce(h.access, false) then
          perform claim_hold_access(h.id, h.drop_id, h.sku_id, h.region_id, h.tier, h.account_hash, h.quantity,
            v_take_region, v_take_drop);
          if v_reserved_sku then
            v_available := v_available - h.quantity;
            if v_region_pool > 0 then v_protected[v_region_pool] := v_protected[v_region_pool] - v_take_region; end if;
            if v_drop_pool > 0 then v_protected[v_drop_pool] := v_protected[v_drop_pool] - v_take_drop; end if;
          end if;
        end if;
        return query select h.idx, 'held'::text, v_hub, r.available, null::int, null::int;
        v_placed := true;
        exit;
      end if;
      v_best := greatest(v_best, coalesce(r.available, 0));
    end loop;
    if not v_placed then
      return query select h.idx, 'refused'::text, null::text, v_best, null::int, null::int;
    end if;
  end loop;
end;
$$;

-- The queue's offer trigger (migration 0022) fires on every hub_stock update, each hold's included,
-- and its condition called hub_stock_available twice per row: a function call in a trigger's WHEN
-- is not inlined, and it cost more than the update itself. The same condition with the function's
-- expression written out (hub_stock_available stays the one definition everything else reads).
drop trigger hub_stock_freed_to_queue on hub_stock;
create trigger hub_stock_freed_to_queue after update on hub_stock
  for each row when (
    new.received + new.adjusted - new.shipped + greatest(new.planned - new.received, 0)
      - greatest(new.reserved_events, 0) - new.confirmed - new.held
    > old.received + old.adjusted - old.shipped + greatest(old.planned - old.received, 0)
      - greatest(old.reserved_events, 0) - old.confirmed - old.held
    and new.received + new.adjusted - new.shipped + greatest(new.planned - new.received, 0)
      - greatest(new.reserved_events, 0) - new.confirmed - new.held > 0)
  execute function offer_freed_units();
