import { describe, expect, it } from 'vitest';
import { createCatalogService } from '../../../src/modules/catalog/catalog.service';
import { createKeysService } from '../../../src/modules/keys/keys.service';
import { createTestDatabase } from '../../harness/test-database';

/**
 * While the database is away, a key this replica already resolved keeps working (storefronts keep
 * getting estimates from the in-memory snapshot); a key it never saw is a 503, not a 401.
 * The outage is real: the database connection is closed under the service.
 */
describe('API keys during a database outage', () => {
  it('serves a known key past its cache time when the database cannot answer; an unknown key gets 503', async () => {
    const database = await createTestDatabase();
    let clock = 0;
    const keys = createKeysService(database.db, { catalog: createCatalogService(database.db), now: () => clock });
    const { key } = await keys.createApiKey({ role: 'admin', label: 'outage' });
    const principal = await keys.authenticate(key);
    expect(principal?.role).toBe('admin');
    clock += 10 * 60_000;
    await database.db.close();
    try {
      expect(await keys.authenticate(key)).toEqual(principal);
      await expect(keys.authenticate('mf_admin_never-seen')).rejects.toMatchObject({
        code: 'unavailable',
        status: 503,
      });
    } finally {
      await database.drop();
    }
  });
});
