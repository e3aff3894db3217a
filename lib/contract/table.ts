/** The history table's key schema and the partition-key prefixes of each item kind (docs/architecture.md, "History in DynamoDB"). */
export const TABLE_KEYS = { partition: 'pk', sort: 'sk', index: 'gsi1', indexPartition: 'gsi1pk', indexSort: 'gsi1sk' } as const;

/**
 * What each item's partition key starts with. IAM grants are scoped to these with `dynamodb:LeadingKeys`,
 * so a function can touch only the item kinds it owns.
 */
export const PARTITION_PREFIXES = {
  /** Snapshots: `REGION#<code>`. */
  region: 'REGION#',
  /** Run records and the month's lease: `PERIOD#<YYYY-MM>`; also gsi1's partition of a month's snapshots. */
  period: 'PERIOD#',
  /** The delivery ledger: `DELIVERY#<YYYY-MM>`. */
  delivery: 'DELIVERY#',
  /** The reminder ledger: `REMINDER#<YYYY-MM>`. */
  reminder: 'REMINDER#',
  /** Portal sessions ended by signing out (lib/history/signed-out.ts): `SIGNOUT#<token hash>`. */
  signedOut: 'SIGNOUT#',
} as const;

/** The table's TTL attribute (seconds since the epoch): only signed-out sessions carry it; every other item is kept. */
export const TTL_ATTRIBUTE = 'ttl';
