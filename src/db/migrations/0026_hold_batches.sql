-- Holds placed in batches (issue 16, performance). Every hold of a SKU at a hub updates the same
-- hub_stock row, and a hold on a drop with access reserves also takes the SKU's reserve lock
-- (migration 0020): parallel holds of one SKU wait for each other whatever the service does. Each
-- one used to pay, inside that wait, a round trip, a lock hand-over and a commit of its own. The
-- service now sends the holds that arrived while the SKU's previous statement ran as one statement:
-- the same functions, one hold after another, in one transaction, so the wait is paid once per
-- batch. A hold placed in a batch sees every hold placed before it in the batch, exactly as if
-- they had run one after another, which is what the row lock made of them anyway.
--
-- p_holds: a JSON array, one object per hold: id, hub_ids (lane order), sku_id, region_id,
-- quantity, creator_id, now, expires_at, and with access rules (access = true) drop_id, tier and
-- account_hash. Two batches of a SKU may be in flight at once (the second waits for the first's
-- locks), so a batch takes its locks in one order: holds with access first (each takes the SKU's
-- reserve lock before anything else), by account hash (the accounts' locks), then plain holds by
-- their first hub (its stock row). A rarer cycle (a hold falling back to its second hub, or a
-- release of a hold that fell due meanwhile) is broken by PostgreSQL's deadlock detection, and the
-- service then places that batch's holds one by one. One row per hold, by its index in p_holds:
-- outcome 'held' (hub_id), 'existing', 'refused' (available = the most one hub had) or the access
-- check's refusal ('reserved', 'sku_limit', 'drop_limit' with used and account_limit).
create function place_holds(p_holds jsonb, p_async_commit boolean)
returns table (ord int, outcome text, hub_id text, available int, used int, account_limit int)
language plpgsql as $$
declare
  h record;
  r record;
  v_hub text;
  v_best int;
  v_placed boolean;
begin
  for h in
    select x.*, (e.n - 1)::int as idx
    from jsonb_array_elements(p_holds) with ordinality as e(item, n)
    cross join lateral jsonb_to_record(e.item) as x(
      id text, hub_ids text[], sku_id text, region_id text, quantity int, creator_id text,
      now timestamptz, expires_at timestamptz, access boolean, drop_id text, tier text, account_hash text)
    order by coalesce(x.access, false) desc, x.account_hash nulls first, x.hub_ids[1], e.n
  loop
    if coalesce(h.access, false) then
      select * into r from place_hold_with_access(h.id, h.hub_ids, h.sku_id, h.region_id, h.quantity, h.creator_id,
        h.now, h.expires_at, p_async_commit, h.drop_id, h.tier, h.account_hash);
      return query select h.idx, r.outcome, r.hub_id, r.available, r.used, r.account_limit;
      continue;
    end if;
    v_best := 0;
    v_placed := false;
    foreach v_hub in array h.hub_ids loop
      select * into r from place_hold(h.id, v_hub, h.sku_id, h.region_id, h.quantity, h.creator_id,
        h.now, h.expires_at, p_async_commit);
      if r.outcome in ('held', 'existing') then
        return query select h.idx, r.outcome,
          case when r.outcome = 'held' then v_hub end, r.available, null::int, null::int;
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
