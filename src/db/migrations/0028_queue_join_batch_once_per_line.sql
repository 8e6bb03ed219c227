-- Queue join batches that hold the line's lock for less (issue 16, performance). The joins of one
-- line (SKU and region) are serialised by the line's lock (migration 0027), held until COMMIT, so
-- the time a batch holds it bounds the line's joins per second. Measured on the queue bench
-- (PostgreSQL, batches of about 10, track_functions): 0.17 ms per join_queue, each checking the
-- stock and summing the line's counters again, and 0.87 ms for queue_supply, all inside the lock;
-- then, still holding it, the rows went back to the service, which computed each entry's promise
-- and stored it in a second statement before COMMIT: two more round trips, each waiting for a
-- turn of the service's busy event loop (about 2.5 ms of the 5.5 ms a batch held the lock).
--
-- Now a batch is one statement, committed on its own, and for each line of it:
-- - what may still free up for the line (queue_supply) is read before its lock is taken, while the
--   line's previous batch may still hold it. The joins change none of it. A hold that ends in
--   between is counted as still held by the promise (an estimate a few milliseconds older); its
--   units are offered to the line when they free (migration 0022), so nothing is lost;
-- - the serving hub rows are locked for share and the stock checked once: the rows stay locked
--   until COMMIT and the joins do not change them, so every join of the line would find the same;
-- - the line's waiting totals per tier rank are read once, then kept in step with each entry the
--   batch adds (as the trigger of migration 0025 keeps the counter rows): each join's place is
--   what it was when every join of the line was its own statement, the joins before it counted;
-- - an entry that joins a sold-out line (no unit available at any serving hub) stores what its
--   promise is computed from (promise_inputs): its place in units, the line's supply, the
--   service's clock, and the slow inputs the service sent with it (the drop's history and the
--   SKU's restock, as `slow`). The service computes the buyer's answer from exactly the inputs
--   the statement returns, so the promise is stored with the entry, in the same statement, and the
--   post-drop report computes it again from them (the outcome model is a pure function). The
--   probability is no longer written beside the entry (promised_probability): that was an UPDATE
--   of every entry, measured at 15-20 % of the joins per second. promised_probability stays for an
--   entry that joined while its line had units (fewer than it asked for): its buyer is answered
--   after the offer that follows, and that promise is written then.
-- Each line's lock is taken in the lines' order, then its joins run in their counter shard's order,
-- as before. Arguments as in migration 0027, with `slow` (jsonb) in each entry; per join, its
-- outcome and place, and promise_inputs when it joined a sold-out line.
alter table queue_entries add column promise_inputs jsonb;

drop function join_queue_batch(jsonb, boolean);
create function join_queue_batch(p_entries jsonb, p_async_commit boolean)
returns table (ord int, outcome text, available int, entries_ahead int, units_ahead int, promise_inputs jsonb)
language plpgsql as $$
declare
  e record;
  l record;
  s record;
  v_supplies jsonb := '{}';
  v_line text;
  v_available int;
  v_ranks int[];
  v_entries int[];
  v_units int[];
  v_ahead_entries int;
  v_ahead_units int;
  v_inputs jsonb;
  k int;
begin
  if p_async_commit then
    perform set_config('synchronous_commit', 'off', true);
  end if;
  for l in
    select x.sku_id, x.region_id, x.sku_id || E'\t' || x.region_id as line, max(x.now) as now
    from jsonb_to_recordset(p_entries) as x(sku_id text, region_id text, now timestamptz)
    group by x.sku_id, x.region_id
    order by 3
  loop
    select * into s from queue_supply(l.sku_id, l.region_id, l.now);
    v_supplies := v_supplies || jsonb_build_object(l.line, to_jsonb(s));
    perform pg_advisory_xact_lock(16005, hashtext(l.line));
  end loop;
  for e in
    select x.*, x.sku_id || E'\t' || x.region_id as line, (i.n - 1)::int as idx
    from jsonb_array_elements(p_entries) with ordinality as i(item, n)
    cross join lateral jsonb_to_record(i.item) as x(
      id text, drop_id text, creator_id text, sku_id text, region_id text, quantity int, tier text,
      tier_rank int, account_hash text, claim_seconds int, now timestamptz, slow jsonb)
    order by x.sku_id || E'\t' || x.region_id, abs(hashtext(x.id)) % 8, i.n
  loop
    if v_line is distinct from e.line then
      v_line := e.line;
      select coalesce(max(x.available), 0)::int into v_available from (
        select hub_stock_available(hs) as available
        from hub_stock hs join hub_lanes hl on hl.hub_id = hs.hub_id
        where hs.sku_id = e.sku_id and hl.region_id = e.region_id
        order by hs.hub_id
        for share of hs) x;
      select coalesce(array_agg(t.tier_rank), '{}'), coalesce(array_agg(t.entries), '{}'),
        coalesce(array_agg(t.units), '{}')
      into v_ranks, v_entries, v_units
      from (select q.tier_rank, sum(q.entries)::int as entries, sum(q.units)::int as units
            from queue_waiting_totals q
            where q.sku_id = e.sku_id and q.region_id = e.region_id
            group by q.tier_rank) t;
    end if;
    if v_available >= e.quantity then
      return query select e.idx, 'in_stock'::text, v_available, null::int, null::int, null::jsonb;
      continue;
    end if;
    -- Ahead of a new entry: every waiting entry of its rank and of the ranks before it.
    v_ahead_entries := 0;
    v_ahead_units := 0;
    for k in 1 .. coalesce(array_length(v_ranks, 1), 0) loop
      if v_ranks[k] <= e.tier_rank then
        v_ahead_entries := v_ahead_entries + v_entries[k];
        v_ahead_units := v_ahead_units + v_units[k];
      end if;
    end loop;
    k := array_position(v_ranks, e.tier_rank);
    if k is null then
      v_ranks := v_ranks || e.tier_rank;
      v_entries := v_entries || 1;
      v_units := v_units || e.quantity;
    else
      v_entries[k] := v_entries[k] + 1;
      v_units[k] := v_units[k] + e.quantity;
    end if;
    v_inputs := case when v_available = 0 then jsonb_build_object(
      'units_ahead', v_ahead_units, 'quantity', e.quantity, 'claim_seconds', e.claim_seconds, 'now', e.now,
      'supply', v_supplies -> e.line, 'slow', e.slow) end;
    insert into queue_entries (id, drop_id, creator_id, sku_id, region_id, quantity, tier, tier_rank,
      account_hash, claim_seconds, joined_at, promise_inputs)
    values (e.id, e.drop_id, e.creator_id, e.sku_id, e.region_id, e.quantity, e.tier, e.tier_rank,
      e.account_hash, e.claim_seconds, e.now, v_inputs);
    return query select e.idx, 'joined'::text, v_available, v_ahead_entries, v_ahead_units, v_inputs;
  end loop;
end;
$$;
