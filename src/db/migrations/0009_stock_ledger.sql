-- The stock ledger that cannot drift, inbound stock, inventory events identified by their sender,
-- Idempotency-Key answers, and per-event webhook leases with a fencing token.
--
-- Stock of one SKU at one hub (hub_stock, one row) in the ledger's own terms:
--   on_hand   = received + adjusted − shipped                 (units the hub has confirmed it holds)
--   inbound   = max(planned − received, 0)                    (placed by the published plan, not yet received)
--   reserved  = max(reserved − released events, 0) + confirmed
--   held      = Σ quantity of the active holds (status 'held') of this hub and SKU
--   confirmed = Σ quantity of the confirmed holds of this hub and SKU
--   available = on_hand + inbound − reserved − held           (what a new hold may take; pre-orders hold inbound units)
-- Every statement that changes a hold's status changes held (and confirmed) in the same transaction,
-- locking the hold rows first and the hub_stock row second, so a single snapshot always sees
-- held = Σ active holds. The reconciliation job checks exactly that and repairs any drift.

create function hub_stock_available(s hub_stock) returns int language sql immutable as $$
  select s.received + s.adjusted - s.shipped + greatest(s.planned - s.received, 0)
    - greatest(s.reserved_events, 0) - s.confirmed - s.held
$$;

create view hub_stock_levels as
  select s.hub_id, s.sku_id,
    s.received + s.adjusted - s.shipped as on_hand,
    greatest(s.planned - s.received, 0) as inbound,
    greatest(s.reserved_events, 0) + s.confirmed as reserved,
    s.held,
    s.confirmed,
    hub_stock_available(s) as available
  from hub_stock s;

-- Confirmed sums for the reconciliation; active sums use reservation_holds_active (migration 0006).
create index reservation_holds_ended on reservation_holds (hub_id, sku_id) where status = 'confirmed';

-- One hold attempt at one hub, one round trip. A hold id that already exists (a retried request whose
-- id derives from its Idempotency-Key) is answered as it stands and nothing changes. Otherwise the due
-- holds of this hub and SKU expire and leave `held`, whether or not the new hold fits, and the new
-- hold is granted only if it fits: the hub_stock row lock serialises concurrent holds (no oversell).
-- `p_async_commit` turns synchronous_commit off for this transaction only (PostgreSQL): a server crash
-- can lose the last milliseconds of holds, together with their counter, which frees stock and never
-- oversells.
create function place_hold(
  p_id text, p_hub_id text, p_sku_id text, p_region_id text, p_quantity int, p_creator_id text,
  p_now timestamptz, p_expires_at timestamptz, p_async_commit boolean
) returns table (outcome text, available int)
language plpgsql as $$
declare
  v_freed int;
  v_available int;
begin
  if exists (select 1 from reservation_holds h where h.id = p_id) then
    return query select 'existing'::text, null::int;
    return;
  end if;
  if p_async_commit then
    perform set_config('synchronous_commit', 'off', true);
  end if;
  with expired as (
    update reservation_holds h set status = 'expired', ended_at = p_now
    where h.hub_id = p_hub_id and h.sku_id = p_sku_id and h.status = 'held' and h.expires_at <= p_now
    returning h.quantity
  )
  select coalesce(sum(quantity), 0)::int into v_freed from expired;
  select hub_stock_available(s) + v_freed into v_available
  from hub_stock s where s.hub_id = p_hub_id and s.sku_id = p_sku_id
  for update;
  if not found then
    return query select 'no_stock'::text, 0;
    return;
  end if;
  if v_available >= p_quantity then
    update hub_stock s set held = greatest(s.held - v_freed, 0) + p_quantity, updated_at = p_now
    where s.hub_id = p_hub_id and s.sku_id = p_sku_id;
    insert into reservation_holds (id, hub_id, sku_id, region_id, quantity, creator_id, status, created_at, expires_at)
    values (p_id, p_hub_id, p_sku_id, p_region_id, p_quantity, p_creator_id, 'held', p_now, p_expires_at);
    return query select 'held'::text, v_available - p_quantity;
    return;
  end if;
  if v_freed > 0 then
    update hub_stock s set held = greatest(s.held - v_freed, 0), updated_at = p_now
    where s.hub_id = p_hub_id and s.sku_id = p_sku_id;
  end if;
  return query select 'refused'::text, greatest(v_available, 0);
end;
$$;

-- Ends an active hold as confirmed or released; a hold past its expiry ends as expired instead,
-- whatever was asked. A hold that has already ended is answered as it stands (changed = false).
create function end_hold(p_id text, p_outcome text, p_now timestamptz)
returns table (status text, changed boolean)
language plpgsql as $$
declare
  v reservation_holds%rowtype;
  v_final text;
begin
  select * into v from reservation_holds h where h.id = p_id for update;
  if not found then
    return;
  end if;
  if v.status <> 'held' then
    return query select v.status, false;
    return;
  end if;
  v_final := case when v.expires_at <= p_now then 'expired' else p_outcome end;
  update reservation_holds h set status = v_final, ended_at = p_now where h.id = p_id;
  update hub_stock s set held = greatest(s.held - v.quantity, 0),
    confirmed = s.confirmed + case when v_final = 'confirmed' then v.quantity else 0 end,
    updated_at = p_now
  where s.hub_id = v.hub_id and s.sku_id = v.sku_id;
  return query select v_final, true;
end;
$$;

-- Inventory events are identified by who sent them: 'partner:<id>', 'creator:<id>' (a storefront of
-- that creator) or 'admin'. Two tenants using the same event id at one hub are two events. Events
-- stored before this migration are attributed to their hub's operator, so a partner's replay of one
-- is still recognised.
alter table inventory_events add column sender text;
update inventory_events e set sender = 'partner:' || h.operator_partner_id from hubs h where h.id = e.hub_id;
alter table inventory_events alter column sender set not null;
alter table inventory_events drop constraint inventory_events_pkey;
alter table inventory_events add primary key (sender, hub_id, id);

-- The first answer to a POST carrying an Idempotency-Key, per API key, kept 24 h. While the first
-- request runs the row is 'running' under a lease its process renews; a process that dies leaves a
-- lease that runs out, and a retry may then run the request again.
create table idempotency_keys (
  api_key_id text not null,
  key text not null check (length(key) between 1 and 255),
  -- SHA-256 of method, path and body; null while a streamed body is still being read.
  request_hash text,
  state text not null check (state in ('running', 'done')),
  lease_token text,
  locked_until timestamptz,
  response_status int,
  response_headers jsonb,
  response_body text,
  created_at timestamptz not null,
  expires_at timestamptz not null,
  primary key (api_key_id, key)
);
create index idempotency_keys_expiry on idempotency_keys (expires_at);

-- A drainer's claim on one outbox event: the token fences a drainer whose lease ran out (its late
-- result is not recorded over another drainer's attempt).
alter table webhook_outbox add column lease_token text;
