/** Attributes that exist only for the table's keys and indexes, never part of a domain record. */
const KEY_ATTRIBUTES = new Set([
  'PK',
  'SK',
  'GSI1PK',
  'GSI1SK',
  'GSI2PK',
  'GSI2SK',
  'GSI3PK',
  'GSI3SK',
  'dueShard',
  'dueAt',
  'queuePK',
  'queueSK',
  'expiresAt',
  'entity',
]);

/** A stored item → its domain record (key and index attributes removed). */
export function fromItem<T>(item: Record<string, unknown>): T {
  const record: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(item)) if (!KEY_ATTRIBUTES.has(name)) record[name] = value;
  return record as T;
}
