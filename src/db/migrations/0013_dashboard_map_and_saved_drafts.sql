-- The dashboard's region map (issue 19): where regions and hubs are on the globe, and which draft a
-- what-if plan was saved as.

-- Optional WGS 84 coordinates. A region whose id is an ISO 3166-2 code with a known boundary is drawn
-- from that boundary; any other region (a custom id, or a subdivision the shipped atlases lack) is
-- drawn as a labelled point at these coordinates. A hub is a marker at its coordinates. Both or neither.
alter table regions
  add column latitude double precision check (latitude between -90 and 90),
  add column longitude double precision check (longitude between -180 and 180),
  add constraint regions_coordinates_both_or_neither check ((latitude is null) = (longitude is null));

alter table hubs
  add column latitude double precision check (latitude between -90 and 90),
  add column longitude double precision check (longitude between -180 and 180),
  add constraint hubs_coordinates_both_or_neither check ((latitude is null) = (longitude is null));

-- "Save as draft" copies a what-if plan into the drop's next draft version. One row per what-if plan
-- saved, so a retried save answers the draft it already made instead of making another.
create table plan_saved_drafts (
  what_if_plan_id text primary key references plans (id) on delete cascade,
  draft_plan_id text not null unique references plans (id) on delete cascade,
  created_at timestamptz not null default now()
);
