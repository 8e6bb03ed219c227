-- Long-running work as a resource: a job has a kind, a state, progress with a message, a link to
-- its result or an error (an RFC 9457 problem object), and the tenant scope of whoever started it
-- (GET /v1/jobs/{id} answers 404 to every other tenant). How a job is executed (an in-process
-- worker thread today) is not part of this table.
create table jobs (
  id text primary key,
  kind text not null,
  state text not null default 'queued' check (state in ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
  progress double precision not null default 0 check (progress >= 0 and progress <= 1),
  message text not null default '',
  -- What the job was asked to do (e.g. the training filters), as the client sent it.
  input jsonb not null default '{}',
  result jsonb,
  -- Where the result lives, e.g. /v1/models/{modelId}.
  result_url text,
  error jsonb,
  started_by_key_id text not null,
  scope_role text not null check (scope_role in ('admin', 'creator', 'partner', 'storefront')),
  scope_creator_id text,
  scope_partner_id text,
  created_at timestamptz not null default now(),
  started_at timestamptz,
  finished_at timestamptz,
  updated_at timestamptz not null default now()
);

create index jobs_kind_state on jobs (kind, state);

-- The forecast model registry's log of default choices: the last row is the default. Training runs
-- add a row when their model earns it; admins promote, pin, unpin and roll back. Model files live
-- in folders (shipped models in models/, trained ones in TRAINED_MODELS_DIR); only the choice is here,
-- so every replica agrees on it.
create table forecast_model_choices (
  seq bigint generated always as identity primary key,
  model_id text not null,
  action text not null check (action in ('promote', 'pin', 'unpin', 'rollback', 'trained')),
  pinned boolean not null default false,
  reason text not null default '',
  chosen_by text not null,
  chosen_at timestamptz not null default now()
);
