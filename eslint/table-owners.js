/**
 * The module that owns each table: the only one whose repository writes it (lint rule
 * `boundaries/table-writes`). A new table is added here with its migration.
 */
export const TABLE_OWNERS = {
  // access: tiers, reserves and per-account limits of a drop
  drop_access: 'access',
  drop_access_reserves: 'access',
  drop_access_sku_limits: 'access',
  drop_access_tiers: 'access',
  drop_account_salts: 'access',
  hold_access_claims: 'access',
  access_account_fingerprints: 'access',
  // allocation: plans and what they place
  plans: 'allocation',
  plan_allocations: 'allocation',
  plan_regions: 'allocation',
  plan_saved_drafts: 'allocation',
  plan_supplier_orders: 'allocation',
  replan_proposals: 'allocation',
  // catalog: who and where
  creators: 'catalog',
  partners: 'catalog',
  regions: 'catalog',
  region_postal_prefixes: 'catalog',
  hubs: 'catalog',
  hub_lanes: 'catalog',
  suppliers: 'catalog',
  sku_sourcing: 'catalog',
  drops: 'catalog',
  drop_baseline_paths: 'catalog',
  skus: 'catalog',
  // delivery: the live stock ledger and holds
  hub_stock: 'delivery',
  reservation_holds: 'delivery',
  // forecast
  forecasts: 'forecast',
  forecast_cells: 'forecast',
  forecast_model_choices: 'forecast',
  demand_history: 'forecast',
  // idempotency
  idempotency_keys: 'idempotency',
  // jobs
  jobs: 'jobs',
  // keys
  api_keys: 'keys',
  // pickup
  hub_pickup: 'pickup',
  drop_pickup_shares: 'pickup',
  // queue
  queue_entries: 'queue',
  // reports
  drop_reports: 'reports',
  // returns
  returns: 'returns',
  // signals: what the storefronts and partners send in
  preorders: 'signals',
  social_signals: 'signals',
  token_holder_snapshots: 'signals',
  inventory_events: 'signals',
  import_chunks: 'signals',
  partner_signing_secrets: 'signals',
  // webhooks
  webhook_subscriptions: 'webhooks',
  webhook_outbox: 'webhooks',
  webhook_deliveries: 'webhooks',
};
