import { signBody } from '../../src/modules/signals/core/signing';
import { expectData } from '../harness/answers';
import type { TestApp, TestResponse } from '../harness/test-app';
import { createKey, createTenant, freshId, type Tenant } from './catalog-factory';

/** A tenant with a key per role, ready to push signals. */
export interface SignalsTenant extends Tenant {
  keys: { creator: string; storefront: string; partner: string };
}

export async function createSignalsTenant(app: TestApp): Promise<SignalsTenant> {
  const tenant = await createTenant(app);
  return {
    ...tenant,
    keys: {
      creator: await createKey(app, { role: 'creator', creator_id: tenant.creatorId }),
      storefront: await createKey(app, { role: 'storefront', creator_id: tenant.creatorId }),
      partner: await createKey(app, { role: 'partner', partner_id: tenant.partnerId }),
    },
  };
}

export const PAST = '2026-11-20T10:00:00Z';

export function preorderRows(tenant: Tenant, count: number, options: { prefix?: string; region?: string } = {}) {
  const prefix = options.prefix ?? freshId('po');
  return Array.from({ length: count }, (_, i) => ({
    id: `${prefix}-${i}`,
    sku_id: tenant.skuId,
    quantity: 1 + (i % 3),
    region_id: options.region ?? tenant.regionIds[i % tenant.regionIds.length]!,
    placed_at: new Date(Date.parse(PAST) + i * 1000).toISOString(),
    status: 'placed' as const,
  }));
}

export const toNdjson = (rows: readonly object[]) => rows.map((row) => JSON.stringify(row)).join('\n') + '\n';

export function toCsv(rows: readonly Record<string, unknown>[]): string {
  const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))];
  const cell = (value: unknown) => {
    if (value === undefined || value === null) return '';
    const text = String(value);
    return /[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
  };
  return [columns.join(','), ...rows.map((row) => columns.map((c) => cell(row[c])).join(','))].join('\r\n') + '\r\n';
}

export function postNdjson(
  app: TestApp,
  path: string,
  rows: readonly object[],
  key?: string | null,
): Promise<TestResponse> {
  return app.rawRequest('POST', path, {
    key,
    rawBody: toNdjson(rows),
    headers: { 'content-type': 'application/x-ndjson' },
  });
}

export function postCsv(
  app: TestApp,
  path: string,
  rows: readonly Record<string, unknown>[],
  key?: string | null,
): Promise<TestResponse> {
  return app.rawRequest('POST', path, { key, rawBody: toCsv(rows), headers: { 'content-type': 'text/csv' } });
}

export function inventoryEvents(tenant: Tenant, count: number, prefix = freshId('ev')) {
  const types = ['received', 'reserved', 'released', 'shipped'] as const;
  return Array.from({ length: count }, (_, i) => ({
    id: `${prefix}-${i}`,
    type: types[i % types.length]!,
    hub_id: tenant.hubId,
    sku_id: tenant.skuId,
    quantity: 1 + i,
    occurred_at: new Date(Date.parse(PAST) - i * 60_000).toISOString(),
  }));
}

/** Sets a partner's signing secret through the API and returns it. */
export async function rotateSigningSecret(app: TestApp, partnerId: string): Promise<string> {
  const rotated = await expectData(
    201,
    app.client().POST('/v1/partners/{partnerId}/signing-secret', { params: { path: { partnerId } } }),
  );
  return rotated.secret;
}

/** A request signed as a partner's system (no API key), at the app clock's time unless told. */
export function postSigned(
  app: TestApp,
  options: {
    partnerId: string;
    secret: string;
    body: string;
    timestamp?: number;
    signature?: string;
    contentType?: string;
  },
) {
  const timestamp = options.timestamp ?? Math.floor(app.clock.now().getTime() / 1000);
  return app.rawRequest('POST', '/v1/inventory-events', {
    key: null,
    rawBody: options.body,
    headers: {
      'content-type': options.contentType ?? 'application/x-ndjson',
      'x-partner-id': options.partnerId,
      'x-signature-timestamp': String(timestamp),
      'x-signature': options.signature ?? signBody(options.secret, timestamp, options.body),
    },
  });
}
