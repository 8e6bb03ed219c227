import { z } from 'zod';

/** Client-chosen ids: 1–64 letters, digits, ".", "_", ":" or "-", starting with a letter or digit (openapi.yaml `Id`). */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;
export const ID_RULE = 'must be 1–64 letters, digits, ".", "_", ":" or "-"';

/** A client-chosen id as every module's schemas check it (the contract's `Id`). */
export const idSchema = z.string().regex(ID_PATTERN, ID_RULE);
