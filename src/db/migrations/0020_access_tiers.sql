-- Community access per drop (issue 16, first part): ordered access tiers with early-access windows
-- and reserved shares of each SKU, per-account limits, and which tiers a storefront key may claim.
--
-- A tier's reserve of a SKU, in one scope (drop-wide, or the buyers of one region):
--   reserved  = floor(share × stock of the SKU)        stock = Σ over hubs of on_hand + inbound
--   rolled_in = what the previous tier left in the same scope when its window ended
--   used      = Σ reserve units of this tier's active and confirmed holds in that scope
--   protected = reserved + rolled_in − used (≥ 0) while the tier's window has not ended, else 0
-- After its window a tier's leftover (reserved + rolled_in − used) rolls into the next tier's reserve
-- of the same scope; after the last tier it is ordinary stock. A hold may leave the SKU's available
-- units (Σ over hubs) below the total protected only by what it takes from its own tier's reserve,
-- inside its own window. The check runs under a per-SKU transaction lock, so parallel holds queue.

-- Which tiers a storefront key may claim on its creator's drops (null: every tier).
alter table api_keys add column tiers text[];

create table drop_access (
  drop_id text primary key references drops (id) on delete cascade,
  -- Units one account may have in active holds and confirmed orders over the whole drop (null: no limit).
  per_drop_limit int check (per_drop_limit > 0),
  updated_at timestamptz not null
);

create table drop_access_tiers (
  drop_id text not null references drop_access (drop_id) on delete cascade,
  position int not null check (position >= 0),
  name text not null,
  starts_at timestamptz not null,
  ends_at timestamptz not null check (ends_at > starts_at),
  primary key (drop_id, name),
  unique (drop_id, position)
);

create table drop_access_reserves (
  drop_id text not null,
  tier text not null,
  sku_id text not null,
  -- '' = drop-wide; else the buyers' region.
  scope text not null,
  share numeric not null check (share > 0 and share <= 1),
  primary key (drop_id, tier, sku_id, scope),
  foreign key (drop_id, tier) references drop_access_tiers (drop_id, name) on delete cascade
);

create table drop_access_sku_limits (
  drop_id text not null references drop_access (drop_id) on delete cascade,
  sku_id text not null,
  per_account int not null check (per_account > 0),
  primary key (drop_id, sku_id)
);

-- The per-drop key of the account hashes (HMAC-SHA256, computed by the service); never served.
create table drop_account_salts (
  drop_id text primary key references drops (id) on delete cascade,
  salt text not null
);

-- What a hold claimed: its buyer's tier, the units it took from that tier's reserves, the account.
-- Written in the hold's transaction; the hold's status (reservation_holds) says whether it counts.
create table hold_access_claims (
  hold_id text primary key,
  drop_id text not null,
  sku_id text not null,
  region_id text not null,
  tier text,
  -- units taken from the tier's reserve for the hold's region, and from its drop-wide reserve
  region_units int not null default 0 check (region_units >= 0),
  drop_units int not null default 0 check (drop_units >= 0),
  account_hash text,
  quantity int not null check (quantity > 0)
);
create index hold_access_claims_tier on hold_access_claims (drop_id, sku_id, tier) where tier is not null;
create index hold_access_claims_account on hold_access_claims (drop_id, account_hash) where account_hash is not null;

-- Reserve units in use per tier, SKU and scope, as two counters that only grow: `claimed` by the
-- hold's access step, `freed` when such a hold is released or expires (trigger below); used =
-- claimed − freed. Two rows, not one, and `freed` moves at commit (a deferred trigger): a hold's
-- transaction may lock several hold rows (expiring due holds hub by hub) and a release locks its
-- hold row, and neither then waits, with hold rows locked, for a counter row the other holds.
create table access_reserve_claimed (
  drop_id text not null, sku_id text not null, tier text not null, scope text not null,
  units int not null,
  primary key (drop_id, sku_id, tier, scope)
);
create table access_reserve_freed (
  drop_id text not null, sku_id text not null, tier text not null, scope text not null,
  units int not null,
  primary key (drop_id, sku_id, tier, scope)
);

create function free_access_reserve() returns trigger language plpgsql as $$
declare
  c hold_access_claims%rowtype;
begin
  select * into c from hold_access_claims where hold_id = new.id;
  if found and c.region_units > 0 then
    insert into access_reserve_freed as f (drop_id, sku_id, tier, scope, units)
    values (c.drop_id, c.sku_id, c.tier, c.region_id, c.region_units)
    on conflict (drop_id, sku_id, tier, scope) do update set units = f.units + excluded.units;
  end if;
  if found and c.drop_units > 0 then
    insert into access_reserve_freed as f (drop_id, sku_id, tier, scope, units)
    values (c.drop_id, c.sku_id, c.tier, '', c.drop_units)
    on conflict (drop_id, sku_id, tier, scope) do update set units = f.units + excluded.units;
  end if;
  return null;
end;
$$;
create constraint trigger reservation_holds_free_access_reserve after update of status on reservation_holds
  deferrable initially deferred
  for each row when (old.status = 'held' and new.status in ('released', 'expired'))
  execute function free_access_reserve();

create trigger drop_access_changed after insert or update or delete on drop_access
  for each statement execute function notify_change('mf_catalog');
create trigger drop_access_tiers_changed after insert or update or delete on drop_access_tiers
  for each statement execute function notify_change('mf_catalog');

-- The reserves of one SKU of a drop at p_now, one row per tier and scope that has or had units.
create function access_pools(p_drop_id text, p_sku_id text, p_now timestamptz)
returns table (tier text, tier_position int, scope text, starts_at timestamptz, ends_at timestamptz,
  reserved int, rolled_in int, used int, protected int, rolled_over int)
language plpgsql stable as $$
declare
  v_stock int;
  v_scope text;
  v_carry int;
  v_reserved int;
  v_used int;
  v_effective int;
  t record;
begin
  select coalesce(sum(greatest(l.on_hand + l.inbound, 0)), 0)::int into v_stock
  from hub_stock_levels l where l.sku_id = p_sku_id;
  for v_scope in
    select distinct r.scope from drop_access_reserves r where r.drop_id = p_drop_id and r.sku_id = p_sku_id
    order by 1
  loop
    v_carry := 0;
    for t in
      select x.name, x.position, x.starts_at, x.ends_at from drop_access_tiers x
      where x.drop_id = p_drop_id order by x.position
    loop
      select coalesce(floor(r.share * v_stock), 0)::int into v_reserved
      from drop_access_reserves r
      where r.drop_id = p_drop_id and r.tier = t.name and r.sku_id = p_sku_id and r.scope = v_scope;
      v_reserved := coalesce(v_reserved, 0);
      select coalesce((select u.units from access_reserve_claimed u where u.drop_id = p_drop_id and u.sku_id = p_sku_id
          and u.tier = t.name and u.scope = v_scope), 0)
        - coalesce((select f.units from access_reserve_freed f where f.drop_id = p_drop_id and f.sku_id = p_sku_id
          and f.tier = t.name and f.scope = v_scope), 0)
      into v_used;
      v_effective := v_reserved + v_carry;
      if v_effective > 0 or v_used > 0 then
        if p_now >= t.ends_at then
          return query select t.name, t.position, v_scope, t.starts_at, t.ends_at, v_reserved, v_carry, v_used, 0,
            greatest(v_effective - v_used, 0);
          v_carry := greatest(v_effective - v_used, 0);
        else
          return query select t.name, t.position, v_scope, t.starts_at, t.ends_at, v_reserved, v_carry, v_used,
            greatest(v_effective - v_used, 0), 0;
          v_carry := 0;
        end if;
      end if;
    end loop;
  end loop;
end;
$$;

-- The access step of one hold, checked: locks the SKU (when it has reserves) and then the account
-- (when the drop limits accounts), and answers whether the hold may go ahead and which reserve
-- units it would take. outcome: 'ok', 'existing' (a retried hold), 'reserved' (the units left are
-- other tiers' reserves; available = what this buyer may still take), 'sku_limit' / 'drop_limit'
-- (used and account_limit say how far). Writes nothing.
create function check_hold_access(
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
  v_limit int;
  v_used int;
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
    select l.per_account into v_limit from drop_access_sku_limits l where l.drop_id = p_drop_id and l.sku_id = p_sku_id;
    if v_limit is not null or exists (select 1 from drop_access a where a.drop_id = p_drop_id and a.per_drop_limit is not null) then
      perform pg_advisory_xact_lock(16002, hashtext(p_drop_id || ':' || p_account_hash));
    end if;
    if v_limit is not null then
      select coalesce(sum(c.quantity), 0)::int into v_used
      from hold_access_claims c join reservation_holds h on h.id = c.hold_id
      where c.drop_id = p_drop_id and c.account_hash = p_account_hash and c.sku_id = p_sku_id
        and ((h.status = 'held' and h.expires_at > p_now) or h.status = 'confirmed');
      if v_used + p_quantity > v_limit then
        return query select 'sku_limit'::text, null::int, v_used, v_limit, 0, 0;
        return;
      end if;
    end if;
    select a.per_drop_limit into v_limit from drop_access a where a.drop_id = p_drop_id;
    if v_limit is not null then
      select coalesce(sum(c.quantity), 0)::int into v_used
      from hold_access_claims c join reservation_holds h on h.id = c.hold_id
      where c.drop_id = p_drop_id and c.account_hash = p_account_hash
        and ((h.status = 'held' and h.expires_at > p_now) or h.status = 'confirmed');
      if v_used + p_quantity > v_limit then
        return query select 'drop_limit'::text, null::int, v_used, v_limit, 0, 0;
        return;
      end if;
    end if;
  end if;
  return query select 'ok'::text, null::int, null::int, null::int, v_take_region, v_take_drop;
end;
$$;

-- A hold on a drop with access rules, in one statement (so the locks above are held for one round
-- trip): the access check, then place_hold (migration 0009) at each serving hub in lane order until
-- one holds, then the claim (tier, reserve units taken, account hash) and its counters. outcome:
-- 'held' (hub_id), 'existing', 'refused' (no hub had the units; available = the most at one hub),
-- or the check's refusal ('reserved', 'sku_limit', 'drop_limit'). Nothing is written unless held.
create function place_hold_with_access(
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
      insert into hold_access_claims (hold_id, drop_id, sku_id, region_id, tier, region_units, drop_units, account_hash, quantity)
      values (p_id, p_drop_id, p_sku_id, p_region_id, p_tier, c.take_region, c.take_drop, p_account_hash, p_quantity);
      if c.take_region > 0 then
        insert into access_reserve_claimed as u (drop_id, sku_id, tier, scope, units)
        values (p_drop_id, p_sku_id, p_tier, p_region_id, c.take_region)
        on conflict (drop_id, sku_id, tier, scope) do update set units = u.units + excluded.units;
      end if;
      if c.take_drop > 0 then
        insert into access_reserve_claimed as u (drop_id, sku_id, tier, scope, units)
        values (p_drop_id, p_sku_id, p_tier, '', c.take_drop)
        on conflict (drop_id, sku_id, tier, scope) do update set units = u.units + excluded.units;
      end if;
      return query select 'held'::text, v_hub, r.available, null::int, null::int;
      return;
    end if;
    v_best := greatest(v_best, coalesce(r.available, 0));
  end loop;
  return query select 'refused'::text, null::text, v_best, null::int, null::int;
end;
$$;
