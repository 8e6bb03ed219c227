-- Webhooks to logistics partners: subscriptions, a transactional outbox (an event is written in the
-- same transaction as the change it announces, so a crash between commit and send loses nothing),
-- and a delivery log with one row per attempt. Also the live re-plan's stored proposals.

create table webhook_subscriptions (
  id text primary key,
  partner_id text not null references partners (id) on delete cascade,
  url text not null,
  -- HMAC-SHA256 secret: signing needs the secret itself, so it is stored as is, shown once at creation.
  secret text not null,
  event_types text[] not null default '{plan.published}',
  active boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index webhook_subscriptions_partner on webhook_subscriptions (partner_id);

create table webhook_outbox (
  id text primary key,
  subscription_id text not null references webhook_subscriptions (id) on delete cascade,
  event_type text not null,
  -- The exact JSON body sent (signed as is).
  payload text not null,
  status text not null default 'pending' check (status in ('pending', 'delivered', 'failed')),
  attempts int not null default 0,
  next_attempt_at timestamptz not null,
  -- A drainer claims a row by leasing it until this instant; a crashed drainer's lease expires.
  leased_until timestamptz,
  last_error text,
  created_at timestamptz not null,
  delivered_at timestamptz
);
create index webhook_outbox_due on webhook_outbox (next_attempt_at) where status = 'pending';

create table webhook_deliveries (
  id text primary key,
  outbox_id text not null references webhook_outbox (id) on delete cascade,
  attempt int not null,
  -- 'retry' = scheduled retry after a failure, 'manual' = redelivery asked by an admin.
  trigger text not null check (trigger in ('first', 'retry', 'manual')),
  status_code int,
  ok boolean not null,
  error text,
  duration_ms int not null,
  attempted_at timestamptz not null
);
create index webhook_deliveries_outbox on webhook_deliveries (outbox_id, attempted_at);

-- Live re-plan proposals: transfers between hubs and extra fallback orders, computed during a drop
-- from live stock and the latest forecast. Advisory: nothing here changes a plan.
create table replan_proposals (
  id text primary key,
  drop_id text not null references drops (id) on delete cascade,
  plan_id text references plans (id) on delete set null,
  forecast_id text references forecasts (id) on delete set null,
  proposal jsonb not null,
  created_at timestamptz not null
);
create index replan_proposals_drop on replan_proposals (drop_id, created_at desc);
