-- What the queue promised each buyer at the join (issue 16, the post-drop report's calibration).
--
-- The expected outcome a waiting entry shows changes as the line moves; the report compares what
-- was stated when the buyer decided to wait with what happened. Both probabilities of the join's
-- answer are kept (null when the join was answered with an offer at once, so nothing was promised).

alter table queue_entries add column promised_probability double precision
  check (promised_probability between 0 and 1);
alter table queue_entries add column promised_probability_from_stock double precision
  check (promised_probability_from_stock between 0 and 1);
-- The report reads a drop's entries with their offers' holds.
create index queue_entries_drop_status on queue_entries (drop_id, status);
