import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant, type Tenant } from '../../factories/catalog-factory';
import { startTestApp, type TestApp } from '../../harness/test-app';
import { answer } from '../../harness/answers';

let app: TestApp;
let tenant: Tenant;
beforeAll(async () => {
  app = await startTestApp();
  tenant = await createTenant(app);
});
afterAll(() => app.close());

describe('API keys', () => {
  it('shows a new key once and stores only its SHA-256', async () => {
    const res = await answer(
      app.client().POST('/v1/keys', { body: { role: 'creator', creator_id: tenant.creatorId, label: 'ci' } }),
    );
    expect(res.status).toBe(201);
    expect(res.data!.key).toMatch(/^mf_creator_[A-Za-z0-9_-]{43}$/);
    const { rows } = await app.database.db.query<Record<string, unknown>>('select * from api_keys where id = $1', [
      res.data!.id,
    ]);
    expect(rows[0]!.key_hash).toBe(createHash('sha256').update(res.data!.key).digest('hex'));
    expect(JSON.stringify(rows[0])).not.toContain(res.data!.key);
    const listed = await answer(app.client().GET('/v1/keys'));
    expect(JSON.stringify(listed.data)).not.toContain(res.data!.key);
    expect(listed.data!.items.find((k: { id: string }) => k.id === res.data!.id)).toMatchObject({
      role: 'creator',
      label: 'ci',
      revoked_at: null,
    });
  });

  it('refuses a key whose scope does not fit its role, naming the field', async () => {
    const missing = await answer(app.client().POST('/v1/keys', { body: { role: 'partner' } }));
    expect(missing.status).toBe(400);
    expect(missing.error!.errors![0]!.path).toBe('partner_id');
    const unknown = await answer(
      app.client().POST('/v1/keys', { body: { role: 'storefront', creator_id: 'ghost-creator' } }),
    );
    expect(unknown.status).toBe(422);
    expect(unknown.error!.errors![0]!.path).toBe('creator_id');
  });

  it('stops accepting a key as soon as it is revoked, and revoking twice is fine', async () => {
    const created = await answer(
      app.client().POST('/v1/keys', { body: { role: 'storefront', creator_id: tenant.creatorId } }),
    );
    expect(
      (
        await answer(
          app.client(created.data!.key).GET('/v1/drops/{dropId}', { params: { path: { dropId: tenant.dropId } } }),
        )
      ).status,
    ).toBe(200);
    const revoked = await answer(
      app.client().DELETE('/v1/keys/{keyId}', { params: { path: { keyId: created.data!.id } } }),
    );
    expect(revoked.status).toBe(200);
    expect(revoked.data!.revoked_at).toEqual(expect.any(String));
    expect(
      (await answer(app.client().DELETE('/v1/keys/{keyId}', { params: { path: { keyId: created.data!.id } } }))).data!
        .revoked_at,
    ).toBe(revoked.data!.revoked_at);
    expect(
      (
        await answer(
          app.client(created.data!.key).GET('/v1/drops/{dropId}', { params: { path: { dropId: tenant.dropId } } }),
        )
      ).status,
    ).toBe(401);
  });

  it('answers 404 when revoking a key that does not exist', async () => {
    expect(
      (await answer(app.client().DELETE('/v1/keys/{keyId}', { params: { path: { keyId: 'key_missing' } } }))).status,
    ).toBe(404);
  });
});
