import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant, type Tenant } from '../../factories/catalog-factory';
import { startTestApp, type TestApp } from '../../harness/test-app';

let app: TestApp;
let tenant: Tenant;
beforeAll(async () => {
  app = await startTestApp();
  tenant = await createTenant(app);
});
afterAll(() => app.close());

describe('API keys', () => {
  it('shows a new key once and stores only its SHA-256', async () => {
    const res = await app.request('POST', '/v1/keys', {
      body: { role: 'creator', creator_id: tenant.creatorId, label: 'ci' },
    });
    expect(res.status).toBe(201);
    expect(res.body.key).toMatch(/^mf_creator_[A-Za-z0-9_-]{43}$/);
    const { rows } = await app.database.db.query<Record<string, unknown>>('select * from api_keys where id = $1', [
      res.body.id,
    ]);
    expect(rows[0]!.key_hash).toBe(createHash('sha256').update(res.body.key).digest('hex'));
    expect(JSON.stringify(rows[0])).not.toContain(res.body.key);
    const listed = await app.request('GET', '/v1/keys');
    expect(JSON.stringify(listed.body)).not.toContain(res.body.key);
    expect(listed.body.items.find((k: { id: string }) => k.id === res.body.id)).toMatchObject({
      role: 'creator',
      label: 'ci',
      revoked_at: null,
    });
  });

  it('refuses a key whose scope does not fit its role, naming the field', async () => {
    const missing = await app.request('POST', '/v1/keys', { body: { role: 'partner' } });
    expect(missing.status).toBe(400);
    expect(missing.body.errors[0].path).toBe('partner_id');
    const unknown = await app.request('POST', '/v1/keys', {
      body: { role: 'storefront', creator_id: 'ghost-creator' },
    });
    expect(unknown.status).toBe(422);
    expect(unknown.body.errors[0].path).toBe('creator_id');
  });

  it('stops accepting a key as soon as it is revoked, and revoking twice is fine', async () => {
    const created = await app.request('POST', '/v1/keys', {
      body: { role: 'storefront', creator_id: tenant.creatorId },
    });
    expect((await app.request('GET', `/v1/drops/${tenant.dropId}`, { key: created.body.key })).status).toBe(200);
    const revoked = await app.request('DELETE', `/v1/keys/${created.body.id}`);
    expect(revoked.status).toBe(200);
    expect(revoked.body.revoked_at).toEqual(expect.any(String));
    expect((await app.request('DELETE', `/v1/keys/${created.body.id}`)).body.revoked_at).toBe(revoked.body.revoked_at);
    expect((await app.request('GET', `/v1/drops/${tenant.dropId}`, { key: created.body.key })).status).toBe(401);
  });

  it('answers 404 when revoking a key that does not exist', async () => {
    expect((await app.request('DELETE', '/v1/keys/key_missing')).status).toBe(404);
  });
});
