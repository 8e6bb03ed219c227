-- Holds change only hub_stock.held, thousands of times a second at a drop's opening. A NOTIFY per
-- hold would serialise their commits on PostgreSQL's notification queue lock, so held-only updates
-- no longer notify: replicas poll the stock counters instead (every 500 ms, one cheap query) and
-- still hear at once about stock that moves for other reasons (receipts, shipments, plans, confirms).
drop trigger hub_stock_changed on hub_stock;

create trigger hub_stock_inserted after insert or delete on hub_stock
  for each statement execute function notify_change('mf_stock');
create trigger hub_stock_counters_changed
  after update of planned, received, shipped, adjusted, reserved_events, confirmed on hub_stock
  for each statement execute function notify_change('mf_stock');
