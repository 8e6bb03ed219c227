/**
 * The rows a batch function answered (one per item, each with its item's index as `ord`; the
 * function may have run the items in another order, for its locks), back in the items' order.
 * A missing or extra row fails loudly instead of leaving an item without an answer.
 */
export function inItemOrder<Row extends { ord: number }>(
  rows: readonly Row[],
  items: number,
  what: string,
): Omit<Row, 'ord'>[] {
  if (rows.length !== items) throw new Error(`${what} answered ${rows.length} rows for ${items} items`);
  const answers = new Array<Omit<Row, 'ord'>>(items);
  for (const { ord, ...row } of rows) answers[ord] = row;
  return answers;
}
