-- Hoarding signals per account and drop (issue 16, third part): a creator-set threshold on the
-- drop's access rules, the device and address hashes the storefront sends with holds and queue
-- joins (hashed again with the drop's salt), and the order in which access claims were granted.
--
-- The signals themselves are read from what is already stored: the account's holds (their access
-- claims: region, when made, when and how they ended) and the fingerprints below. The score is
-- computed by the service (src/modules/access/core/abuse-score.ts) in the hold's transaction,
-- after lock_account_signals has taken every lock the signals depend on, so parallel holds of one
-- account, or of accounts sharing a device or an address, are scored one after another.

-- Above this score a hold is refused (403 account_limited) and a queue join goes to the back.
alter table drop_access add column abuse_threshold numeric check (abuse_threshold > 0);

-- The order claims were granted in (a hold's claim is inserted under its locks, so for holds of one
-- account, or of accounts sharing a fingerprint, this order is their commit order).
create sequence access_signal_seq;
alter table hold_access_claims add column seq bigint not null default nextval('access_signal_seq');

-- Which accounts were seen with which device or address. `fingerprint` is HMAC-SHA256 of the
-- storefront's opaque hash under the drop's salt; the storefront's value is never stored.
create table access_account_fingerprints (
  drop_id text not null references drops (id) on delete cascade,
  kind text not null check (kind in ('device', 'address')),
  fingerprint text not null,
  account_hash text not null,
  first_seen_at timestamptz not null,
  seq bigint not null default nextval('access_signal_seq'),
  primary key (drop_id, kind, fingerprint, account_hash)
);
create index access_account_fingerprints_account on access_account_fingerprints (drop_id, account_hash);

-- The locks a hold on a drop with a threshold takes before its signals are read, in one order so
-- that no two such holds wait for each other in a cycle: the account's lock (the key of the account
-- limits), then one lock per device and per address fingerprint of the account (those it used
-- before and the hold's own), in the order of their keys. The hold itself comes after, in the same
-- transaction: check_hold_access takes the SKU's reserve lock and the account's again (advisory
-- locks are re-entrant). Every hold on such a drop names an account and comes this way, so no hold
-- there takes the SKU's lock before an account's.
create function lock_account_signals(
  p_drop_id text, p_account_hash text, p_device text, p_address text
) returns void language plpgsql as $$
declare
  k int;
begin
  perform pg_advisory_xact_lock(16002, hashtext(p_drop_id || ':' || p_account_hash));
  for k in
    select distinct hashtext(p_drop_id || ':' || x.fingerprint) from (
      select f.fingerprint from access_account_fingerprints f
      where f.drop_id = p_drop_id and f.account_hash = p_account_hash and f.kind = 'device'
      union all select p_device where p_device is not null
    ) x order by 1
  loop
    perform pg_advisory_xact_lock(16003, k);
  end loop;
  for k in
    select distinct hashtext(p_drop_id || ':' || x.fingerprint) from (
      select f.fingerprint from access_account_fingerprints f
      where f.drop_id = p_drop_id and f.account_hash = p_account_hash and f.kind = 'address'
      union all select p_address where p_address is not null
    ) x order by 1
  loop
    perform pg_advisory_xact_lock(16004, k);
  end loop;
end;
$$;

-- An account's signal counts as they would stand with one more hold (p_hold_id, in p_region_id,
-- with these fingerprints) made at p_now, read after lock_account_signals: the read is a later
-- statement than the locks, so it sees everything committed by the holds it waited for. The
-- counts are scored by the service (src/modules/access/core/abuse-score.ts). Holds the fair queue
-- made (ids hold_q_…, migration 0022) are not the account's doing and are not counted; a retried
-- hold id answers existing.
create function locked_account_signals(
  p_drop_id text, p_account_hash text, p_hold_id text, p_region_id text, p_device text, p_address text,
  p_now timestamptz, p_quick_cycle_seconds int, p_velocity_window_seconds int
) returns table (existing boolean, quick_cycles int, many_regions int, shared_device int, shared_address int,
  inhuman_velocity int)
language plpgsql as $$
begin
  perform lock_account_signals(p_drop_id, p_account_hash, p_device, p_address);
  return query
  with mine as (
    select c.region_id, h.status, h.created_at, h.ended_at
    from hold_access_claims c join reservation_holds h on h.id = c.hold_id
    where c.drop_id = p_drop_id and c.account_hash = p_account_hash and c.hold_id <> p_hold_id
      and c.hold_id not like 'hold\_q\_%'
  ), prints as (
    select f.kind, f.fingerprint from access_account_fingerprints f
    where f.drop_id = p_drop_id and f.account_hash = p_account_hash
    union select 'device', p_device where p_device is not null
    union select 'address', p_address where p_address is not null
  ), sharing as (
    select p.kind, (select count(*) from (
        select g.account_hash from access_account_fingerprints g
        where g.drop_id = p_drop_id and g.kind = p.kind and g.fingerprint = p.fingerprint
        union select p_account_hash) x) as accounts
    from prints p
  )
  select
    exists (select 1 from hold_access_claims c where c.hold_id = p_hold_id),
    (select count(*) from mine m where m.status = 'released'
       and m.ended_at <= m.created_at + p_quick_cycle_seconds * interval '1 second')::int,
    (select count(*) from (select m.region_id from mine m union select p_region_id) r)::int,
    coalesce((select max(s.accounts) from sharing s where s.kind = 'device'), 0)::int,
    coalesce((select max(s.accounts) from sharing s where s.kind = 'address'), 0)::int,
    ((select count(*) from mine m where m.created_at >= p_now - p_velocity_window_seconds * interval '1 second') + 1)::int;
end;
$$;

