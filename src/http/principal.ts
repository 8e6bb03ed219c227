import type { Schemas } from './contract';

/** Who is calling: an API key's role and the tenant it is scoped to. */
export type Role = Schemas['Role'];

export type Principal =
  | { keyId: string; role: 'admin' }
  | { keyId: string; role: 'creator'; creatorId: string }
  /** `tiers`: the access tiers the key may claim on its creator's drops (null: every tier). */
  | { keyId: string; role: 'storefront'; creatorId: string; tiers?: readonly string[] | null }
  | { keyId: string; role: 'partner'; partnerId: string };

export function principalFromKey(row: {
  id: string;
  role: Role;
  creator_id: string | null;
  partner_id: string | null;
  tiers?: string[] | null;
}): Principal {
  switch (row.role) {
    case 'admin':
      return { keyId: row.id, role: 'admin' };
    case 'creator':
      return { keyId: row.id, role: 'creator', creatorId: row.creator_id! };
    case 'storefront':
      return { keyId: row.id, role: 'storefront', creatorId: row.creator_id!, tiers: row.tiers ?? null };
    case 'partner':
      return { keyId: row.id, role: 'partner', partnerId: row.partner_id! };
  }
}

/** True when the principal may act on data owned by `creatorId` (admin, or a key of that creator). */
export function ownsCreator(principal: Principal, creatorId: string): boolean {
  return principal.role === 'admin' || ('creatorId' in principal && principal.creatorId === creatorId);
}
