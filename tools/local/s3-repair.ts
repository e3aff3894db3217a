/**
 * s3rver writes an object's bytes, then its `.md5` and `._S3rver_metadata.json` files, each in place and
 * none atomically, and it answers a PUT of a buffer before the bytes are flushed. A process killed
 * midway (the crash tests do it on purpose, a laptop's power cut does it by accident) can leave a
 * metadata file empty, or bytes cut short under a complete `.md5`; s3rver then fails listings with a 500,
 * or serves bytes that are not the object's. On S3 an interrupted PUT simply never happened.
 *
 * So the local stack marks each session on disk; when the previous session did not end cleanly, before
 * s3rver starts, every object written since that session began is checked, and one whose metadata cannot
 * be read or whose bytes do not match their MD5 is removed, as the PUT that never completed. (The strict
 * S3 proxy then reconciles its journal with what is left: tools/local/s3-strict.ts.)
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as z from 'zod';

const METADATA = '._S3rver_metadata.json';
const OBJECT = '._S3rver_object';

const sessionSchema = z.object({ startedAt: z.iso.datetime(), pid: z.number().int() });

/**
 * Starts a session: returns since when the previous one wrote (when it did not end cleanly), and writes
 * this one's marker. `endSession` removes it on a clean close.
 */
export async function beginSession(markerFile: string): Promise<Date | undefined> {
  let unfinished: Date | undefined;
  try {
    const previous = sessionSchema.safeParse(JSON.parse(await readFile(markerFile, 'utf8')));
    // An unreadable marker: the previous session died as it started; check everything since the epoch.
    unfinished = previous.success ? new Date(previous.data.startedAt) : new Date(0);
  } catch {
    unfinished = undefined; // no marker: the last session closed cleanly (or there was none)
  }
  await writeFile(markerFile, JSON.stringify({ startedAt: new Date().toISOString(), pid: process.pid }));
  return unfinished;
}

/** Repairs what interrupted writes since `since` left under s3rver's folder; returns the objects removed. */
export async function repairInterruptedWrites(s3Dir: string, since: Date): Promise<string[]> {
  const removed: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return; // a folder removed meanwhile, or none yet
    }
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        await walk(path);
        continue;
      }
      if (!entry.name.endsWith(OBJECT)) continue;
      const base = path.slice(0, -OBJECT.length);
      const written = await stat(path).catch(() => undefined);
      if (!written || written.mtime < since) continue;
      if (await intact(base)) continue;
      await Promise.all([path, `${path}.md5`, `${base}${METADATA}`].map((file) => rm(file, { force: true })));
      removed.push(base);
    }
  };
  await walk(s3Dir);
  return removed;
}

/** Metadata that parses, and bytes whose MD5 is the one recorded beside them. */
async function intact(base: string): Promise<boolean> {
  try {
    // s3rver writes a metadata file for every object it stores (the last of its three writes).
    JSON.parse(await readFile(`${base}${METADATA}`, 'utf8'));
  } catch {
    return false;
  }
  const recorded = (await readFile(`${base}${OBJECT}.md5`, 'utf8').catch(() => '')).trim();
  if (!/^[0-9a-f]{32}$/.test(recorded)) return false;
  const actual = await new Promise<string>((resolve, reject) => {
    const hash = createHash('md5');
    createReadStream(`${base}${OBJECT}`)
      .on('data', (chunk) => hash.update(chunk))
      .on('end', () => resolve(hash.digest('hex')))
      .on('error', reject);
  });
  return actual === recorded;
}
