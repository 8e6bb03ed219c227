-- What the queue promised each buyer at the join (issue 16, the post-drop report's calibration).
--
-- The expected outcome a waiting entry shows changes as the line moves; the report compares what
-- was stated when the buyer decided to wait with what happened. Both probabilities of the join's
-- answer are kept (null when the join was answered with an offer at once, so nothing was promised).

alter table queue_entries add column promised_probability double precision
  check (promised_probability between 0 and 1);
alter table queue_entries add column promised_probability_from_stock double precision
  check (promised_probability_from_stock between 0 and 1);
-- No new index: the views read a drop's entries through queue_entries_drop (drop_id, sku_id), and
-- every index added here would cost each join an insert.
