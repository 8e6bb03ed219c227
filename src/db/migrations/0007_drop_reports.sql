-- Post-drop reports: written once, within a minute of a drop's close, by the reports job.
create table drop_reports (
  drop_id text primary key references drops (id) on delete cascade,
  plan_id text,
  forecast_id text,
  report jsonb not null,
  created_at timestamptz not null default now()
);
