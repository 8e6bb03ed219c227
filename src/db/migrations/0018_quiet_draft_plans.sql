-- Estimates read only the published plan of each drop (its id and its supplier orders' arrivals),
-- yet every insert or update of any plan notified 'mf_catalog', so every replica reloaded its whole
-- catalog snapshot each time a draft was computed, re-planned or had its totals written: on an API
-- replica that is work on the serving event loop for nothing while plans compute elsewhere. Only a
-- change that can move the published plan notifies now: a plan inserted as published, or a change
-- of status (publish, supersede, withdraw).
drop trigger plans_changed on plans;

create function notify_plan_publication() returns trigger language plpgsql as $$
begin
  perform pg_notify('mf_catalog', 'plans');
  return null;
end;
$$;

create trigger plans_published_inserted after insert on plans
  for each row when (new.status = 'published') execute function notify_plan_publication();
create trigger plans_status_changed after update of status on plans
  for each row when (old.status is distinct from new.status) execute function notify_plan_publication();
