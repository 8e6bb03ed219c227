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

  it('after the change feed reconnects: asks again (a missed revocation is seen) yet keeps known keys for the next outage', async () => {
    const database = await createTestDatabase();
    const keys = createKeysService(database.db, { catalog: createCatalogService(database.db) });
    const revoked = await keys.createApiKey({ role: 'admin', label: 'revoked while the feed was down' });
    const kept = await keys.createApiKey({ role: 'admin', label: 'kept' });
    try {
      expect(await keys.authenticate(revoked.key)).toBeDefined();
      const principal = await keys.authenticate(kept.key);
      // A revocation whose NOTIFY this replica missed: the row changes, the cache does not hear it.
      await database.db.query('update api_keys set revoked_at = now() where id = $1', [revoked.id]);
      expect(await keys.authenticate(revoked.key)).toBeDefined();
      keys.revalidateCache();
      expect(await keys.authenticate(revoked.key)).toBeUndefined();
      keys.revalidateCache();
      await database.db.close();
      expect(await keys.authenticate(kept.key)).toEqual(principal);
    } finally {
      await database.drop();
    }
  });
});
