/**
 * A postal code as every part of the service compares it: spaces and hyphens dropped, upper case
 * ("sw1a 1aa" and "SW1A-1AA" are one code). Region prefixes, buyer questions and imported signals
 * all go through this one function.
 */
export function normalisePostalCode(code: string): string {
  return code.replace(/[\s-]/g, '').toUpperCase();
}
