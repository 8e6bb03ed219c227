-- A supplier's capacity by date (issue 20): units ready to ship from each date, shared over all the
-- supplier's SKUs. A small list read with its owner, so a jsonb array in the contract's shape
-- ({date: 'YYYY-MM-DD', units}); the API refuses negative units, duplicate dates and bad dates.
-- Empty: the supplier's capacity_units ship at once (as before).
alter table suppliers add column capacity_by_date jsonb not null default '[]'
  check (jsonb_typeof(capacity_by_date) = 'array');
