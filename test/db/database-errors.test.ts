import { describe, expect, it } from 'vitest';
import { isRetryableRead } from '../../src/db/database-errors';

/**
 * Which statements the PostgreSQL layer sends again on a fresh connection after losing one: only
 * those that cannot have done anything. A hold statement is a SELECT from a function that writes;
 * sent twice after a lost answer, a hold without an idempotency key would be placed twice.
 */
describe('isRetryableRead', () => {
  it('passes plain reads, and reads from the functions known to only read', () => {
    expect(isRetryableRead('select id, status from reservation_holds where id = $1')).toBe(true);
    expect(isRetryableRead('-- a comment\nwith x as (select 1) select * from x')).toBe(true);
    expect(isRetryableRead('select * from unnest($1::text[]) as u(id) join holds h on h.id = u.id')).toBe(true);
    expect(isRetryableRead('select * from queue_supply($1, $2, $3)')).toBe(true);
    expect(isRetryableRead('select h.* from holds h join lateral unnest(h.tags) t on true')).toBe(true);
  });

  it('refuses statements that write, lock or call a function that may write', () => {
    for (const sql of [
      'insert into holds values ($1)',
      'with x as (update holds set status = $1 returning id) select * from x',
      'select * from hub_stock where sku_id = $1 for update',
      'select pg_advisory_xact_lock(1)',
      'select outcome, available from place_hold($1, $2, $3, $4, $5, $6, $7, $8, $9)',
      'select ord, outcome from place_holds($1::jsonb, $2)',
      'select ord, outcome from join_queue_batch($1::jsonb, $2) s',
      'select * from end_hold($1, $2, $3)',
      'select j.outcome from join_queue($1) j left join lateral (select * from queue_supply($2)) s on true',
      'select * from holds h join lateral some_new_function(h.id) f on true',
    ])
      expect(isRetryableRead(sql), sql).toBe(false);
  });
});
