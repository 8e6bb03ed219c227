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

-- The locks a scored hold takes before its signals are read, in one global order so that no two
-- holds wait for each other: the SKU's reserve lock (as check_hold_access takes it, when the SKU
-- has reserves), the account's lock (the same key as the account limits), then one lock per device
-- and per address fingerprint of the account (those it used before and the hold's own), in the
-- order of their keys. check_hold_access, later in the same transaction, takes its locks again
-- (advisory locks are re-entrant).
create function lock_account_signals(
  p_drop_id text, p_sku_id text, p_account_hash text, p_device text, p_address text
) returns void language plpgsql as $$
declare
  k int;
begin
  if exists (select 1 from drop_access_reserves r where r.drop_id = p_drop_id and r.sku_id = p_sku_id) then
    perform pg_advisory_xact_lock(16001, hashtext(p_sku_id));
  end if;
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
