-- GET /v1/drops/{dropId}/preorders lists a drop's pre-orders oldest first, paged by the key
-- (placed_at, id). The primary key (drop_id, id) cannot serve that order, so each page sorted every
-- pre-order of the drop (a million rows for a large drop) to keep the first fifty. With this index a
-- page is a range scan that stops after limit + 1 rows; the placed_at window of the signal summaries
-- per drop uses it too.
create index preorders_drop_placed on preorders (drop_id, placed_at, id);
