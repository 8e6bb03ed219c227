-- The fair queue for sold-out stock (issue 16, second part).
--
-- A buyer whose hold cannot be met may join the queue of a SKU in their region. Order per SKU and
-- region: tier rank (the tier's position; no tier = after every tier), then arrival (`seq`). When
-- units become available at a hub (a hold released or expired, a return back on sale, units
-- received), the trigger below offers them, in the same transaction, to the first waiting entry
-- of a region that hub serves: a hold created for that buyer at that hub, expiring at the claim
-- deadline, and one `queue.offer` event per subscription of the drop's creator in the webhook
-- outbox. The offer is a hold like any other (the hub_stock row is locked by the freeing statement
-- and `held` grows with it), so a unit is never offered and held twice. An offer not claimed
-- (the hold expires or is released) frees its units, which the same trigger offers to the next.
--
-- Strict order: only the first waiting entry of a SKU and region may be offered. When it asks for
-- more units than the hub has, nothing is offered to that region (later entries do not jump it).

create sequence queue_seq;

create table queue_entries (
  id text primary key,
  drop_id text not null references drops (id) on delete cascade,
  creator_id text not null,
  sku_id text not null,
  region_id text not null,
  quantity int not null check (quantity > 0),
  tier text,
  -- 0.. for the drop's tiers in order; 1000 for the general public (no tier)
  tier_rank int not null,
  account_hash text,
  claim_seconds int not null check (claim_seconds > 0),
  -- arrival: taken from queue_seq at the join; offers and leaves take theirs from the same sequence
  seq bigint not null default nextval('queue_seq'),
  status text not null default 'waiting' check (status in ('waiting', 'offered', 'left')),
  hold_id text,
  offer_seq bigint,
  left_seq bigint,
  joined_at timestamptz not null,
  offered_at timestamptz,
  left_at timestamptz
);
create index queue_entries_waiting on queue_entries (sku_id, region_id, tier_rank, seq) where status = 'waiting';
create index queue_entries_drop on queue_entries (drop_id, sku_id);

-- Webhook subscriptions of creators (their storefronts receive `queue.offer`): exactly one owner.
alter table webhook_subscriptions alter column partner_id drop not null;
alter table webhook_subscriptions add column creator_id text references creators (id) on delete cascade;
alter table webhook_subscriptions add constraint webhook_subscriptions_one_owner
  check ((partner_id is null) <> (creator_id is null));
create index webhook_subscriptions_creator on webhook_subscriptions (creator_id) where creator_id is not null;

-- Offers the units available at one hub for one SKU to the queue, first waiting entry first, until
-- the head of every region the hub serves asks for more than is left. Call with the hub_stock row
-- locked by the caller's transaction (the trigger's freeing statement), or it is locked here.
-- Units a drop's tier still protects (a tier window of this SKU's reserves not ended) are not
-- offered: they stay for the tier's buyers (migration 0020), and the periodic offer job offers
-- them once the windows have ended. Answers the number of offers made.
create function offer_queued_units(p_hub_id text, p_sku_id text, p_now timestamptz) returns int
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
    select q.* into e from queue_entries q
    where q.sku_id = p_sku_id and q.status = 'waiting' and q.quantity <= v_available
      and q.region_id in (select l.region_id from hub_lanes l where l.hub_id = p_hub_id)
      and not exists (
        select 1 from queue_entries f
        where f.sku_id = q.sku_id and f.region_id = q.region_id and f.status = 'waiting'
          and (f.tier_rank, f.seq) < (q.tier_rank, q.seq))
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

-- Units became available at a hub (available grew, or a row appeared): offer them to the queue now,
-- in the freeing transaction. Cheap when nobody waits for the SKU (one index probe).
create function offer_freed_units() returns trigger language plpgsql as $$
begin
  if exists (select 1 from queue_entries q where q.sku_id = new.sku_id and q.status = 'waiting') then
    perform offer_queued_units(new.hub_id, new.sku_id, new.updated_at);
  end if;
  return null;
end;
$$;
create trigger hub_stock_freed_to_queue after update on hub_stock
  for each row when (hub_stock_available(new) > hub_stock_available(old) and hub_stock_available(new) > 0)
  execute function offer_freed_units();
create trigger hub_stock_inserted_to_queue after insert on hub_stock
  for each row when (hub_stock_available(new) > 0)
  execute function offer_freed_units();
