/**
 * DynamoDB refuses an item over 400 KB. What a month holds has no such bound (one file per regency, file
 * names up to S3's 1,024 bytes, a problem per region), so the lists kept in run records and snapshots
 * are capped here, with the full count beside them; the whole lists are in the run's log.
 */
export const RUN_RECORD_LIMITS = {
  /** Source files named in a run record (each at most ~1.1 KB: a key of up to 1,024 bytes, an ETag, a time). */
  inputs: 100,
  problems: 100,
  /** Characters kept of one problem. */
  problemChars: 500,
} as const;

/** Source files kept in one snapshot; `sourceCount` says how many there were. */
export const SNAPSHOT_SOURCES_KEPT = 50;

export const capList = <T>(items: readonly T[], limit: number): T[] => items.slice(0, limit);
