-- Streamed imports stage each chunk they have fully received here, in a short statement of its
-- own, so no connection or transaction is held while a slow upload trickles in; when the body has
-- ended, one transaction merges the staged chunks into the real table (all-or-nothing). A chunk is
-- stored as one row: its columns as PostgreSQL array literals, ready for unnest. Unlogged: staged
-- rows are scratch data, rebuilt by resending the upload if the server crashes. A crashed import's
-- chunks are swept by the signals.sweep-staged-imports job.
create unlogged table import_chunks (
  import_id uuid not null,
  chunk int not null,
  columns text[] not null,
  staged_at timestamptz not null default now(),
  primary key (import_id, chunk)
);
create index import_chunks_staged_at on import_chunks (staged_at);
