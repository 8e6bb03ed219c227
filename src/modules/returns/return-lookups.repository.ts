import type { Queryable } from '../../db/database';

/** Returns read by other modules by intent (the queue's history of a drop): one query each, no rules. */
export const returnLookupsRepository = {
  /** Units returned of the drop, whatever became of them. */
  async returnedUnitsOfDrop(db: Queryable, dropId: string): Promise<number> {
    return (
      await db.query<{ units: number }>(
        'select coalesce(sum(r.quantity), 0)::int as units from returns r where r.drop_id = $1',
        [dropId],
      )
    ).rows[0]!.units;
  },
};
