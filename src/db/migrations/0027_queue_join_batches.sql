-- Queue joins in batches (issue 16, performance), as holds are in migration 0026: the joins of one
-- SKU and region that arrive while the line's previous statement runs go to the database together,
-- one join_queue after another in one transaction. Each join is exactly what it was alone (it sees
-- the joins before it in the batch, as it would have after they committed); the round trip, the
-- commit and the wait for the line's counter rows (queue_waiting_totals) are paid once per batch.
-- What may still free up for the line (queue_supply) is read after the first join of each run of
-- entries of one line (the service sends batches of one line: once per batch); the joins change
-- none of it.
--
-- A join's place is what waits ahead of it when it commits, so the joins of one line are serialised
-- by a transaction lock on the line (SKU and region), taken before anything else: without it two
-- joins in different counter shards did not see each other and could both be told the same place
-- (found on PostgreSQL by test/modules/queue/queue-join-batches.api.test.ts; it predates the
-- batches). With batches the lock is taken once per batch, and the next batch of the line already
-- waits for it at the database. Replicas serialise on it too.
--
-- The joins of a batch go in the order of their counter shard (migration 0025): each join updates
-- its shard's row and keeps it locked until the batch commits, so two batches of one line in flight
-- at once take those rows in the same order and never wait for each other in a cycle. Joins that
-- arrived together have no order between them to keep.
--
-- p_entries: a JSON array, one object per join with join_queue's arguments by name (id, drop_id,
-- creator_id, sku_id, region_id, quantity, tier, tier_rank, account_hash, claim_seconds, now).
-- One row per join, by its index in p_entries: join_queue's answer, and for a join the supply.
create function join_queue_batch(p_entries jsonb, p_async_commit boolean)
returns table (ord int, outcome text, available int, entries_ahead int, units_ahead int,
  holds_by_size json, last_hold_expiry timestamptz, confirmed_units int, returning_units int,
  last_return_at timestamptz, delivery_days_min int, delivery_days_max int)
language plpgsql as $$
declare
  e record;
  j record;
  s record;
  l record;
  v_supply_of text;
begin
  -- Each line's lock first, in the lines' order (below).
  for l in
    select distinct x.sku_id || E'\t' || x.region_id as line
    from jsonb_to_recordset(p_entries) as x(sku_id text, region_id text)
    order by 1
  loop
    perform pg_advisory_xact_lock(16005, hashtext(l.line));
  end loop;
  for e in
    select x.*, (i.n - 1)::int as idx
    from jsonb_array_elements(p_entries) with ordinality as i(item, n)
    cross join lateral jsonb_to_record(i.item) as x(
      id text, drop_id text, creator_id text, sku_id text, region_id text, quantity int, tier text,
      tier_rank int, account_hash text, claim_seconds int, now timestamptz)
    order by abs(hashtext(x.id)) % 8, i.n
  loop
    select * into j from join_queue(e.id, e.drop_id, e.creator_id, e.sku_id, e.region_id, e.quantity, e.tier,
      e.tier_rank, e.account_hash, e.claim_seconds, e.now, p_async_commit);
    if j.outcome <> 'joined' then
      return query select e.idx, j.outcome, j.available, j.entries_ahead, j.units_ahead,
        null::json, null::timestamptz, null::int, null::int, null::timestamptz, null::int, null::int;
      continue;
    end if;
    if v_supply_of is distinct from e.sku_id || E'\t' || e.region_id then
      select * into s from queue_supply(e.sku_id, e.region_id, e.now);
      v_supply_of := e.sku_id || E'\t' || e.region_id;
    end if;
    return query select e.idx, j.outcome, j.available, j.entries_ahead, j.units_ahead,
      s.holds_by_size, s.last_hold_expiry, s.confirmed_units, s.returning_units, s.last_return_at,
      s.delivery_days_min, s.delivery_days_max;
  end loop;
end;
$$;
