/**
 * A versioned bucket in memory for unit tests of jobs and views over an ObjectStore: every write a new
 * version one second after the last (so "newest" is well defined), and every read's byte cap noted.
 */
import { ObjectTooLarge, type ObjectStore, type ObjectSummary, type StoredObject } from '../../lib/storage/object-store.ts';

export interface MemoryStore {
  store: ObjectStore;
  /** Each read's key and byte cap, in order. */
  reads: Array<{ key: string; maxBytes: number }>;
  /** When the last write happened (ms since the epoch; `startAt` before any). */
  lastWriteAt(): number;
}

export function memoryStore(startAt = 0): MemoryStore {
  const versions = new Map<string, StoredObject[]>();
  const reads: Array<{ key: string; maxBytes: number }> = [];
  let clock = startAt;
  let next = 0;
  const summary = ({ body: _body, ...rest }: StoredObject): ObjectSummary => rest;
  const find = (key: string, versionId?: string) => {
    const list = versions.get(key) ?? [];
    return versionId === undefined ? list.at(-1) : list.find((v) => v.versionId === versionId);
  };
  const store: ObjectStore = {
    async get(key, { versionId, maxBytes }) {
      reads.push({ key, maxBytes });
      const found = find(key, versionId);
      if (found && found.size > maxBytes) throw new ObjectTooLarge(key, found.size, maxBytes);
      return found;
    },
    async put(key, body, _contentType) {
      const bytes = Buffer.from(body);
      const versionId = `v${(next += 1)}`;
      const etag = `e${next}`;
      versions.set(key, [...(versions.get(key) ?? []), { key, body: bytes, etag, size: bytes.length, lastModified: new Date((clock += 1000)), versionId }]);
      return { etag, versionId };
    },
    async head(key, versionId) {
      const found = find(key, versionId);
      return found && summary(found);
    },
    async list(prefix) {
      return [...versions.entries()]
        .filter(([key, list]) => key.startsWith(prefix) && list.length > 0)
        .map(([, list]) => {
          const { versionId: _versionId, ...rest } = summary(list.at(-1)!);
          return rest;
        });
    },
    async copy(fromKey, toKey, versionId) {
      const found = find(fromKey, versionId)!;
      const copy = await store.put(toKey, found.body, 'application/octet-stream');
      return { versionId: copy.versionId, sourceVersionId: found.versionId };
    },
    async delete(key, versionId) {
      versions.set(
        key,
        (versions.get(key) ?? []).filter((v) => versionId !== undefined && v.versionId !== versionId),
      );
    },
  };
  return { store, reads, lastWriteAt: () => clock };
}
