/**
 * A loopback proxy in front of s3rver that makes the local S3 behave as Amazon S3 does for a bucket with
 * versioning Enabled, where s3rver is laxer, so that code which passes locally does not fail on AWS:
 *
 * - Versioning. PUT, POST, CompleteMultipartUpload and CopyObject each make a version with an opaque
 *   32-character id (`x-amz-version-id`); GET, HEAD, DELETE and CopySource take `versionId`; a DELETE
 *   without one adds a delete marker; deleting the current version makes the previous one current;
 *   ListObjectVersions lists versions and markers. Objects s3rver held before the proxy knew them are
 *   the `null` version, as objects written before versioning was enabled are on S3.
 * - ETags. A multipart object's is the MD5 of its parts' binary MD5s and `-<parts>`, everywhere it shows;
 *   a copy's is the MD5 of its bytes (so a copy of a multipart object has another ETag).
 * - CompleteMultipartUpload checks its part list (InvalidPart, InvalidPartOrder, EntityTooSmall).
 * - CopySource is percent-decoded as S3 decodes it (s3rver's decodeURI misses `+`, `&`, `,`, `=` …).
 * - Bodies the SDK streams as `aws-chunked` (with trailing checksums) are stored as their bytes.
 * - Event notifications: an ObjectCreated:* event of one record per object created under a target's
 *   prefix, delivered after the client has its response.
 * - Requests must carry credentials the local stack accepts, as for a bucket that blocks public access;
 *   presigned URLs must not have expired. (Neither s3rver nor this proxy verifies the SigV4 signatures
 *   of REST requests.)
 * - Browser form uploads (POST Object) follow S3's rules, where s3rver accepts any form: the form is
 *   streamed, its fields before the file read and those after ignored; the policy must be signed (SigV4)
 *   with the local credentials and unexpired, each of its conditions must hold (`${filename}` expanded),
 *   each field must be covered by a condition, and the file's size must be in the policy's range. The
 *   object is then written as any other (versions, ETag, an ObjectCreated:Post event), and the answer is
 *   S3's: a 303 to `success_action_redirect`, or `success_action_status`.
 *
 * s3rver keeps every byte: the current version of a key where s3rver serves it, older versions in a
 * hidden shadow bucket. What s3rver cannot keep (version ids, S3's ETags, delete markers, open multipart
 * uploads) is journaled under `stateDir`, so a restarted stack still knows its history. The first time
 * it serves a bucket the proxy journals what s3rver already holds (as null versions); from then on it
 * assumes it is the bucket's only writer, so a PUT or GET costs at most one extra s3rver round trip
 * (an overwrite copies the displaced version aside). Local tooling only: never deployed.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { once } from 'node:events';
import {
  Agent,
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type Server,
  type ServerResponse,
} from 'node:http';
import { mkdir, open, readFile, rename, writeFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough, Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  S3Client,
  S3ServiceException,
  type CopyObjectCommandInput,
  type GetObjectCommandInput,
  type GetObjectCommandOutput,
  type HeadObjectCommandOutput,
} from '@aws-sdk/client-s3';
import type { S3Event } from 'aws-lambda';
import busboy from 'busboy';
import * as z from 'zod';
import { LOCAL_CREDENTIALS } from '../../lib/aws/clients.ts';
import { encodeS3EventKey } from '../../lib/storage/keys.ts';
import { readBody } from './http.ts';
import { parseJsonOrUndefined } from '../../lib/util/json.ts';

export interface S3NotificationTarget {
  /** The notification configuration's prefix filter: only keys under it are announced. */
  prefix: string;
  /** The event's `s3.configurationId`, the notification configuration's id. */
  configurationId?: string;
  deliver(event: S3Event): void | Promise<void>;
}

export interface StrictS3Options {
  /** s3rver's endpoint, `http://127.0.0.1:<port>`. */
  upstream: string;
  /** Where the proxy keeps its journal; keep it between runs, as the s3rver folder is kept. */
  stateDir: string;
  /** Buckets served with versioning; they exist in s3rver. Requests to other buckets pass unchanged. */
  buckets: string[];
  /** Region named in events; S3's default region unless given. */
  region?: string;
  /** Event notification targets by bucket. */
  notifications?: Record<string, S3NotificationTarget[]>;
}

export interface StrictS3 {
  endpoint: string;
  server: Server;
  /** Requests received, and bytes of response bodies sent, since start. */
  stats: { requests: number; bytesServed: number };
  /** Stops accepting requests, waits for notifications in flight, and closes the journal. */
  close(): Promise<void>;
}

/** The s3rver bucket that keeps noncurrent versions' bytes; clients never see it. */
export const SHADOW_BUCKET = 's3-strict-noncurrent-versions';

const JOURNAL_FILE = 'versions.jsonl';
const S3_XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';
/** The account that owns the local buckets, as listings and events name it. */
const OWNER = { id: '75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a', displayName: 'local' };
const DEFAULT_CONFIGURATION_ID = 'local-notification';
/** Every part of a multipart upload but the last must be at least 5 MiB (S3's EntityTooSmall). */
const MIN_PART_BYTES = 5 * 1024 * 1024;
const MAX_PART_NUMBER = 10_000;
const MAX_KEYS = 1000;
/** S3 refuses header-signed requests whose time is more than 15 minutes off (RequestTimeTooSkewed). */
const MAX_CLOCK_SKEW_MS = 15 * 60_000;
/** A presigned URL may live a week at most. */
const MAX_PRESIGNED_SECONDS = 604_800;
/** Request documents (a part list, a multi-object delete) and a POST form's fields are small. */
const MAX_XML_BODY_BYTES = 8 * 1024 * 1024;
/** S3 reads at most 20 KB of a POST form's fields (and boundaries) before its file. */
const MAX_POST_FIELD_BYTES = 20 * 1024;
/** A POST policy without a content-length-range allows any object a single PUT may make: 5 GiB. */
const MAX_POST_OBJECT_BYTES = 5 * 1024 ** 3;
/** Where a form's file waits in the shadow bucket until its size is known (no bucket name starts with '.'). */
const POST_STAGING_PREFIX = '.post-staging/';
const FILE_NAME_VARIABLE = '${filename}';

/* ---------------------------------------------------------------- journal */

const Md5Schema = z.string().regex(/^[0-9a-f]{32}$/);
const ObjectVersionSchema = z.object({
  kind: z.literal('object'),
  versionId: z.string().min(1),
  lastModified: z.iso.datetime(),
  /** The MD5 of the bytes, as s3rver reports it: how the proxy recognises the bytes s3rver serves. */
  md5: Md5Schema,
  /** The ETag S3 gives the version, quotes included. */
  etag: z.string().min(1),
  size: z.number().int().nonnegative(),
  /** Where a noncurrent version's bytes are in the shadow bucket; the current version's are at its key. */
  shadowKey: z.string().optional(),
  sequencer: z.string().optional(),
});
const DeleteMarkerSchema = z.object({
  kind: z.literal('marker'),
  versionId: z.string().min(1),
  lastModified: z.iso.datetime(),
});
const VersionSchema = z.discriminatedUnion('kind', [ObjectVersionSchema, DeleteMarkerSchema]);
type ObjectVersion = z.infer<typeof ObjectVersionSchema>;
type DeleteMarker = z.infer<typeof DeleteMarkerSchema>;
type Version = z.infer<typeof VersionSchema>;

const KeyRef = { bucket: z.string(), key: z.string() };
const JournalEntrySchema = z.discriminatedUnion('op', [
  /** A version becomes the newest of its key. */
  z.object({ op: z.literal('add'), ...KeyRef, version: VersionSchema }),
  /** A version stopped being current: its bytes were copied to the shadow bucket. */
  z.object({ op: z.literal('keep'), ...KeyRef, versionId: z.string(), shadowKey: z.string() }),
  /** A noncurrent version became current again: its bytes are back at the key. */
  z.object({ op: z.literal('live'), ...KeyRef, versionId: z.string() }),
  z.object({ op: z.literal('drop'), ...KeyRef, versionId: z.string() }),
  z.object({ op: z.literal('upload'), uploadId: z.string(), ...KeyRef }),
  z.object({ op: z.literal('part'), uploadId: z.string(), partNumber: z.number().int().min(1).max(MAX_PART_NUMBER), md5: Md5Schema, size: z.number().int().nonnegative() }),
  z.object({ op: z.literal('upload-done'), uploadId: z.string() }),
  /** What s3rver held in the bucket when the proxy first served it is journaled, as null versions. */
  z.object({ op: z.literal('adopted'), bucket: z.string() }),
  /** The bucket's last event sequencer, so sequencers keep increasing across restarts. */
  z.object({ op: z.literal('sequencer'), bucket: z.string(), value: z.string().regex(/^[0-9A-F]+$/) }),
]);
type JournalEntry = z.infer<typeof JournalEntrySchema>;

interface OpenUpload {
  bucket: string;
  key: string;
  parts: Map<number, { md5: string; size: number }>;
}

/** What the journal says, in memory: each key's versions, newest first, and the open multipart uploads. */
class VersionState {
  private readonly histories = new Map<string, Map<string, Version[]>>();
  readonly uploads = new Map<string, OpenUpload>();
  readonly adopted = new Set<string>();
  private readonly sequencers = new Map<string, bigint>();

  history(bucket: string, key: string): readonly Version[] {
    return this.histories.get(bucket)?.get(key) ?? [];
  }

  keys(bucket: string, prefix: string): string[] {
    return [...(this.histories.get(bucket)?.keys() ?? [])].filter((key) => key.startsWith(prefix));
  }

  apply(entry: JournalEntry): void {
    switch (entry.op) {
      case 'add': {
        const versions = this.editable(entry.bucket, entry.key);
        const existing = versions.findIndex((v) => v.versionId === entry.version.versionId);
        if (existing >= 0) versions.splice(existing, 1);
        versions.unshift(entry.version);
        if (entry.version.kind === 'object' && entry.version.sequencer) this.noteSequencer(entry.bucket, BigInt(`0x${entry.version.sequencer}`));
        return;
      }
      case 'keep':
        return this.replace(entry.bucket, entry.key, entry.versionId, (v) => (v.kind === 'object' ? { ...v, shadowKey: entry.shadowKey } : v));
      case 'live':
        return this.replace(entry.bucket, entry.key, entry.versionId, (v) => {
          if (v.kind !== 'object') return v;
          const { shadowKey: _restored, ...current } = v;
          return current;
        });
      case 'drop': {
        const versions = this.editable(entry.bucket, entry.key);
        const index = versions.findIndex((v) => v.versionId === entry.versionId);
        if (index >= 0) versions.splice(index, 1);
        if (versions.length === 0) this.histories.get(entry.bucket)?.delete(entry.key);
        return;
      }
      case 'upload':
        this.uploads.set(entry.uploadId, { bucket: entry.bucket, key: entry.key, parts: new Map() });
        return;
      case 'part':
        this.uploads.get(entry.uploadId)?.parts.set(entry.partNumber, { md5: entry.md5, size: entry.size });
        return;
      case 'upload-done':
        this.uploads.delete(entry.uploadId);
        return;
      case 'adopted':
        this.adopted.add(entry.bucket);
        return;
      case 'sequencer':
        return this.noteSequencer(entry.bucket, BigInt(`0x${entry.value}`));
    }
  }

  /**
   * S3's rule for sequencers: hex strings that grow with each event of a key, compared after padding the
   * shorter with leading zeros. These grow with each event of the bucket, and from the clock, so they
   * keep growing across restarts even if the journal lost its last one.
   */
  nextSequencer(bucket: string): string {
    const last = this.sequencers.get(bucket) ?? 0n;
    const fromClock = BigInt(Date.now()) * 4096n;
    const next = fromClock > last ? fromClock : last + 1n;
    this.sequencers.set(bucket, next);
    return sequencerText(next);
  }

  /** The journal's facts, one entry each, in an order that rebuilds this state. */
  *snapshot(): Generator<JournalEntry> {
    for (const [bucket, keys] of this.histories) {
      for (const [key, versions] of keys) for (const version of [...versions].reverse()) yield { op: 'add', bucket, key, version };
    }
    for (const [uploadId, upload] of this.uploads) {
      yield { op: 'upload', uploadId, bucket: upload.bucket, key: upload.key };
      for (const [partNumber, part] of upload.parts) yield { op: 'part', uploadId, partNumber, ...part };
    }
    for (const bucket of this.adopted) yield { op: 'adopted', bucket };
    for (const [bucket, value] of this.sequencers) yield { op: 'sequencer', bucket, value: sequencerText(value) };
  }

  private editable(bucket: string, key: string): Version[] {
    let keys = this.histories.get(bucket);
    if (!keys) this.histories.set(bucket, (keys = new Map()));
    let versions = keys.get(key);
    if (!versions) keys.set(key, (versions = []));
    return versions;
  }

  private replace(bucket: string, key: string, versionId: string, change: (version: Version) => Version): void {
    const versions = this.histories.get(bucket)?.get(key);
    const index = versions?.findIndex((v) => v.versionId === versionId) ?? -1;
    const version = versions?.[index];
    if (versions && version) versions[index] = change(version);
  }

  private noteSequencer(bucket: string, value: bigint): void {
    if (value > (this.sequencers.get(bucket) ?? 0n)) this.sequencers.set(bucket, value);
  }
}

const sequencerText = (value: bigint) => value.toString(16).toUpperCase().padStart(18, '0');

/** An append-only file of journal entries, compacted to a snapshot each time the proxy starts. */
class Journal {
  private writes: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly state: VersionState,
    private readonly file: FileHandle,
  ) {}

  static async open(stateDir: string): Promise<Journal> {
    await mkdir(stateDir, { recursive: true });
    const path = join(stateDir, JOURNAL_FILE);
    const state = new VersionState();
    let unreadable = 0;
    for (const line of (await readIfExists(path)).split('\n')) {
      if (!line.trim()) continue;
      const entry = JournalEntrySchema.safeParse(parseJsonOrUndefined(line));
      if (entry.success) state.apply(entry.data);
      else unreadable += 1; // a line cut short when a process was killed mid-write
    }
    if (unreadable) console.error(`s3-strict: skipped ${unreadable} unreadable line(s) of ${path}`);
    // One line per fact however long the folder has been used: replays stay quick.
    const compacted = `${path}.compacting`;
    await writeFile(compacted, [...state.snapshot()].map((entry) => `${JSON.stringify(entry)}\n`).join(''));
    await rename(compacted, path);
    return new Journal(state, await open(path, 'a'));
  }

  /** Persists the entries, then applies them: a version is known only once it survives a restart. */
  async commit(entries: JournalEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const text = entries.map((entry) => `${JSON.stringify(entry)}\n`).join('');
    const write = this.writes.then(() => this.file.write(text));
    this.writes = write.catch(() => undefined);
    await write;
    for (const entry of entries) this.state.apply(entry);
  }

  async close(): Promise<void> {
    await this.writes;
    await this.file.close();
  }
}

async function readIfExists(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if (error instanceof Error && 'code' in error && error.code === 'ENOENT') return '';
    throw error;
  }
}

/* ---------------------------------------------------------------- per-key serialisation */

/** Serialises work on a key: two writers of one key must leave one consistent history, as on S3. */
class KeyLocks {
  private readonly tails = new Map<string, Promise<void>>();

  /** Runs `work` holding every named lock; names are taken in sorted order so two callers cannot deadlock. */
  async run<T>(names: string[], work: () => Promise<T>): Promise<T> {
    const releases: Array<() => void> = [];
    try {
      for (const name of [...new Set(names)].sort()) releases.push(await this.acquire(name));
      return await work();
    } finally {
      for (const release of releases.reverse()) release();
    }
  }

  private async acquire(name: string): Promise<() => void> {
    const previous = this.tails.get(name) ?? Promise.resolve();
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => held);
    this.tails.set(name, tail);
    await previous;
    return () => {
      release();
      if (this.tails.get(name) === tail) this.tails.delete(name);
    };
  }
}

const lockName = (bucket: string, key: string) => `${bucket}/${key}`;

/* ---------------------------------------------------------------- S3 wire format */

/** An S3 error response, thrown by a handler and written by the server loop. */
class S3Failure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, string> = {},
    readonly headers: OutgoingHttpHeaders = {},
  ) {
    super(message);
  }
}

const noSuchKey = (key: string, headers: OutgoingHttpHeaders = {}) => new S3Failure(404, 'NoSuchKey', 'The specified key does not exist.', { Key: key }, headers);
const noSuchVersion = (key: string, versionId: string) =>
  new S3Failure(404, 'NoSuchVersion', 'The specified version does not exist.', { Key: key, VersionId: versionId });
const noSuchUpload = (uploadId: string) =>
  new S3Failure(404, 'NoSuchUpload', 'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.', {
    UploadId: uploadId,
  });
const malformedXml = () => new S3Failure(400, 'MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema.');
const invalidArgument = (message: string, name: string, value: string) =>
  new S3Failure(400, 'InvalidArgument', message, { ArgumentName: name, ArgumentValue: value });
const accessDenied = (message = 'Access Denied') => new S3Failure(403, 'AccessDenied', message);

const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };
const XML_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const escapeXml = (text: string) => text.replace(/[&<>"']/g, (c) => XML_ESCAPES[c] ?? c);
const decodeXml = (text: string) =>
  text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (whole, entity: string) => {
    if (entity.startsWith('#x')) return String.fromCodePoint(parseInt(entity.slice(2), 16));
    if (entity.startsWith('#')) return String.fromCodePoint(Number(entity.slice(1)));
    return XML_ENTITIES[entity] ?? whole;
  });
const element = (tag: string, value: string | number | boolean) => `<${tag}>${escapeXml(String(value))}</${tag}>`;
const xmlDocument = (root: string, body: string) => `<?xml version="1.0" encoding="UTF-8"?>\n<${root} xmlns="${S3_XMLNS}">${body}</${root}>`;

/** The inner text of each `<tag>` element: enough for S3's flat request and response documents. */
const xmlBlocks = (xml: string, tag: string) => [...xml.matchAll(new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, 'g'))].map((match) => match[1] ?? '');
function xmlValue(xml: string, tag: string): string | undefined {
  const [first] = xmlBlocks(xml, tag);
  return first === undefined ? undefined : decodeXml(first);
}

const unquote = (etag: string | undefined) => (etag ?? '').replace(/"/g, '');
const quote = (md5: string) => `"${md5}"`;
/** S3's ETag for a multipart object: the MD5 of the parts' binary MD5s, then `-<number of parts>`. */
const multipartEtag = (partMd5s: string[]) =>
  quote(`${createHash('md5').update(Buffer.concat(partMd5s.map((md5) => Buffer.from(md5, 'hex')))).digest('hex')}-${partMd5s.length}`);
/** 24 random bytes in base64url: 32 URL-safe characters, as S3's version ids are. */
const newVersionId = () => randomBytes(24).toString('base64url');
/** S3 keeps Last-Modified to the second. */
const nowToTheSecond = () => new Date(Math.floor(Date.now() / 1000) * 1000).toISOString();
const httpDate = (iso: string) => new Date(iso).toUTCString();
const header = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);
const succeeded = (status: number) => status >= 200 && status < 300;
/** S3 lists keys in UTF-8 binary order. */
const compareKeys = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));
const shadowKeyOf = (bucket: string, key: string, versionId: string) => `${bucket}/${key}/${versionId}`;
const findVersion = (history: readonly Version[], versionId: string) => history.find((v) => v.versionId === versionId);
/** S3's null version: bytes from before versioning was enabled; here, from before the proxy or beside it. */
const nullVersion = (bytes: { md5: string; size: number; lastModified: string }): ObjectVersion => ({
  kind: 'object',
  versionId: 'null',
  lastModified: bytes.lastModified,
  md5: bytes.md5,
  etag: quote(bytes.md5),
  size: bytes.size,
});

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'expect']);
function endToEndHeaders(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const kept: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined && !HOP_BY_HOP.has(name)) kept[name] = value;
  return kept;
}

/** Parses `20250101T000000Z` (SigV4) or an HTTP date; undefined when neither. */
function parseRequestTime(text: string | undefined | null): number | undefined {
  if (!text) return undefined;
  const compact = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  const time = compact ? Date.UTC(Number(compact[1]), Number(compact[2]) - 1, Number(compact[3]), Number(compact[4]), Number(compact[5]), Number(compact[6])) : Date.parse(text);
  return Number.isNaN(time) ? undefined : time;
}

function checkAccessKey(accessKeyId: string | undefined): void {
  if (!accessKeyId) throw accessDenied();
  if (accessKeyId !== LOCAL_CREDENTIALS.accessKeyId) {
    throw new S3Failure(403, 'InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.', { AWSAccessKeyId: accessKeyId });
  }
}

/**
 * The checks s3rver makes of a signed request (its access key, its time or expiry), made here for every
 * request, so that those the proxy answers itself are no laxer; and, as for a bucket that blocks public
 * access, an unsigned request is refused. Form POSTs carry their credentials in the form (`authenticatePost`).
 */
function authenticate(req: IncomingMessage, query: URLSearchParams): void {
  if (req.method === 'OPTIONS') return; // CORS preflights are never signed
  const authorization = req.headers.authorization;
  if (authorization) {
    checkAccessKey(/Credential=([^/,\s]+)\//.exec(authorization)?.[1] ?? /^AWS ([^:\s]+):/.exec(authorization)?.[1]);
    const stamp = header(req.headers['x-amz-date']) ?? req.headers.date;
    const time = parseRequestTime(stamp);
    if (time === undefined) throw accessDenied('AWS authentication requires a valid Date or x-amz-date header');
    if (Math.abs(Date.now() - time) > MAX_CLOCK_SKEW_MS) {
      throw new S3Failure(403, 'RequestTimeTooSkewed', 'The difference between the request time and the current time is too large.', { RequestTime: stamp ?? '' });
    }
    return;
  }
  if (query.has('X-Amz-Algorithm')) {
    checkAccessKey(query.get('X-Amz-Credential')?.split('/')[0]);
    const signedAt = parseRequestTime(query.get('X-Amz-Date'));
    const expires = Number(query.get('X-Amz-Expires'));
    if (signedAt === undefined || !Number.isInteger(expires) || expires < 0) {
      throw new S3Failure(400, 'AuthorizationQueryParametersError', 'X-Amz-Date and X-Amz-Expires must be a valid date and a non-negative number of seconds.');
    }
    if (expires > MAX_PRESIGNED_SECONDS) {
      throw new S3Failure(400, 'AuthorizationQueryParametersError', 'X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be less than 604800 seconds');
    }
    if (Date.now() > signedAt + expires * 1000) throw accessDenied('Request has expired');
    return;
  }
  if (query.has('Signature')) {
    checkAccessKey(query.get('AWSAccessKeyId') ?? undefined);
    if (Date.now() > Number(query.get('Expires')) * 1000) throw accessDenied('Request has expired');
    return;
  }
  throw accessDenied();
}

/* ---------------------------------------------------------------- POST Object: the form's signature and policy */

const PolicyConditionSchema = z.union([
  z.tuple([z.enum(['eq', 'starts-with']), z.string().startsWith('$'), z.string()]),
  z.tuple([z.literal('content-length-range'), z.number().int().nonnegative(), z.number().int().nonnegative()]),
  z.record(z.string(), z.string()),
]);
type PolicyCondition = z.infer<typeof PolicyConditionSchema>;
const PostPolicySchema = z.object({ expiration: z.iso.datetime({ offset: true }), conditions: z.array(PolicyConditionSchema) });
type PostPolicy = z.infer<typeof PostPolicySchema>;

/** Form fields no condition need name (S3's list): the file, the policy and its signature, and x-ignore-*. */
const POST_EXEMPT_FIELDS = new Set(['file', 'policy', 'x-amz-signature', 'awsaccesskeyid', 'signature']);
const isExemptField = (name: string) => POST_EXEMPT_FIELDS.has(name) || name.startsWith('x-ignore-');

const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data, 'utf8').digest();

/** SigV4's signing key: the secret, narrowed by the date, region and service of the credential scope. */
function sigV4SigningKey(secret: string, date: string, region: string, service: string): Buffer {
  return hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), 'aws4_request');
}

/**
 * S3's authentication of a form POST: a SigV4 credential of the local account for the proxy's region,
 * and `x-amz-signature` the HMAC of the base64 policy, exactly as sent, under the derived signing key.
 * Then the policy must be valid JSON and unexpired. Field names are lower case here.
 */
function authenticatePost(fields: ReadonlyMap<string, string>, region: string): { accessKeyId: string; policy: PostPolicy } {
  const credential = fields.get('x-amz-credential');
  if (credential === undefined) {
    // Signature Version 2 forms: regions opened since 2014 (Jakarta among them) accept SigV4 only.
    if (fields.has('awsaccesskeyid') || fields.has('signature')) {
      throw new S3Failure(400, 'InvalidRequest', 'The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.');
    }
    throw accessDenied(); // an anonymous form, and the bucket blocks public access
  }
  const policyText = fields.get('policy');
  if (policyText === undefined) {
    throw invalidArgument("Bucket POST must contain a field named 'policy'.  If it is specified, please check the order of the fields.", 'policy', '');
  }
  const algorithm = fields.get('x-amz-algorithm') ?? '';
  if (algorithm !== 'AWS4-HMAC-SHA256') throw invalidArgument('X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"', 'x-amz-algorithm', algorithm);
  const scope = /^([^/]+)\/(\d{8})\/([^/]+)\/s3\/aws4_request$/.exec(credential);
  if (!scope) throw invalidArgument('Error parsing the X-Amz-Credential parameter; the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".', 'x-amz-credential', credential);
  const [, accessKeyId = '', date = '', credentialRegion = ''] = scope;
  checkAccessKey(accessKeyId);
  if (credentialRegion !== region) {
    throw invalidArgument(`Error parsing the X-Amz-Credential parameter; the region '${credentialRegion}' is wrong; expecting '${region}'`, 'x-amz-credential', credential);
  }
  const amzDate = fields.get('x-amz-date') ?? '';
  if (!/^\d{8}T\d{6}Z$/.test(amzDate) || parseRequestTime(amzDate) === undefined) throw invalidArgument('X-Amz-Date must be in the ISO8601 Long Format "yyyyMMdd\'T\'HHmmss\'Z\'"', 'x-amz-date', amzDate);
  const provided = fields.get('x-amz-signature') ?? '';
  const expected = hmac(sigV4SigningKey(LOCAL_CREDENTIALS.secretAccessKey, date, credentialRegion, 's3'), policyText);
  const providedBytes = /^[0-9a-f]{64}$/.test(provided) ? Buffer.from(provided, 'hex') : Buffer.alloc(0);
  if (providedBytes.length !== expected.length || !timingSafeEqual(providedBytes, expected)) {
    throw new S3Failure(403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your key and signing method.', {
      AWSAccessKeyId: accessKeyId,
      StringToSign: policyText,
      SignatureProvided: provided,
    });
  }
  const parsed = PostPolicySchema.safeParse(parseJsonOrUndefined(Buffer.from(policyText, 'base64').toString('utf8')));
  if (!parsed.success) throw new S3Failure(400, 'InvalidPolicyDocument', `Invalid Policy: ${parsed.error.issues[0]?.message ?? 'Invalid JSON.'}`);
  if (Date.parse(parsed.data.expiration) < Date.now()) throw accessDenied('Invalid according to Policy: Policy expired.');
  return { accessKeyId, policy: parsed.data };
}

/** A condition as S3 quotes it when it fails: `["starts-with", "$key", "uploads/"]`. */
const describeCondition = (parts: ReadonlyArray<string | number>) => `[${parts.map((part) => JSON.stringify(part)).join(', ')}]`;

function conditionHolds(operator: 'eq' | 'starts-with', field: string, value: string | undefined, operand: string): boolean {
  if (value === undefined) return false; // a condition names a field the form must send
  if (operator === 'eq') return value === operand;
  // S3 reads a Content-Type as a comma-separated list, each of whose types must start with the prefix.
  if (field === 'content-type') return value.split(',').every((type) => type.trim().startsWith(operand));
  return value.startsWith(operand);
}

/**
 * Checks the form's fields (with `${filename}` already expanded) against every condition, then that each
 * field is covered by one; returns the size range the file must be in. `bucket` is the bucket posted to.
 */
function checkPolicyConditions(conditions: readonly PolicyCondition[], fields: ReadonlyMap<string, string>, bucket: string): { min: number; max: number } {
  let min = 0;
  let max = MAX_POST_OBJECT_BYTES;
  const covered = new Set<string>();
  const check = (operator: 'eq' | 'starts-with', fieldName: string, operand: string, quoted: string) => {
    const field = fieldName.toLowerCase();
    covered.add(field);
    // The bucket condition is of the bucket the form is posted to, whatever a `bucket` field says.
    const value = field === 'bucket' ? bucket : fields.get(field);
    if (!conditionHolds(operator, field, value, operand)) throw accessDenied(`Invalid according to Policy: Policy Condition failed: ${quoted}`);
  };
  for (const condition of conditions) {
    if (!Array.isArray(condition)) {
      for (const [name, value] of Object.entries(condition)) check('eq', name, value, describeCondition(['eq', `$${name}`, value]));
      continue;
    }
    const [operator, first, second] = condition;
    if (operator === 'content-length-range') {
      min = Math.max(min, first);
      max = Math.min(max, second);
      continue;
    }
    check(operator, first.slice(1), second, describeCondition(condition));
  }
  const extra = [...fields.keys()].filter((name) => !isExemptField(name) && !covered.has(name));
  if (extra.length > 0) throw accessDenied(`Invalid according to Policy: Extra input fields: ${extra.join(', ')}`);
  return { min, max };
}

/** The form fields S3 stores as the object's headers, as a PUT would send them. */
function postedObjectHeaders(fields: ReadonlyMap<string, string>): IncomingHttpHeaders {
  const headers: IncomingHttpHeaders = {};
  for (const [name, value] of fields) {
    if (['content-type', 'cache-control', 'content-disposition', 'content-encoding', 'expires'].includes(name) || name.startsWith('x-amz-meta-')) headers[name] = value;
  }
  return headers;
}

/** `success_action_redirect` with S3's `bucket`, `key` and `etag` parameters; undefined when S3 could not read it (it ignores it). */
function postRedirect(redirect: string | undefined, bucket: string, key: string, etag: string): string | undefined {
  if (redirect === undefined || !URL.canParse(redirect) || !/^https?:$/.test(new URL(redirect).protocol)) return undefined;
  const hashAt = redirect.indexOf('#');
  const base = hashAt < 0 ? redirect : redirect.slice(0, hashAt);
  const hash = hashAt < 0 ? '' : redirect.slice(hashAt);
  const params = new URLSearchParams({ bucket, key, etag }).toString();
  return `${base}${base.includes('?') ? '&' : '?'}${params}${hash}`;
}

/** S3's conditional GET/HEAD, judged on the version's own ETag and time (s3rver compares MD5s). */
function checkPreconditions(headers: IncomingHttpHeaders, version: ObjectVersion): void {
  const modified = Date.parse(version.lastModified);
  const matches = (list: string) =>
    list
      .split(',')
      .map((tag) => tag.trim().replace(/^W\//, ''))
      .some((tag) => tag === '*' || unquote(tag) === unquote(version.etag));
  const ifMatch = header(headers['if-match']);
  const ifNoneMatch = header(headers['if-none-match']);
  const ifUnmodifiedSince = Date.parse(header(headers['if-unmodified-since']) ?? '');
  const ifModifiedSince = Date.parse(header(headers['if-modified-since']) ?? '');
  // As RFC 7232 orders them, and S3 follows: a matching If-Match outweighs If-Unmodified-Since, and a
  // mismatching If-None-Match outweighs If-Modified-Since.
  if (ifMatch !== undefined ? !matches(ifMatch) : modified > ifUnmodifiedSince) {
    throw new S3Failure(412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', {
      Condition: ifMatch !== undefined ? 'If-Match' : 'If-Unmodified-Since',
    });
  }
  if (ifNoneMatch !== undefined ? matches(ifNoneMatch) : modified <= ifModifiedSince) {
    throw new S3Failure(304, 'NotModified', 'Not Modified', {}, { etag: version.etag, 'last-modified': httpDate(version.lastModified) });
  }
}

/* ---------------------------------------------------------------- request bodies */

/** Counts the bytes that pass. */
class ByteCounter extends Transform {
  bytes = 0;
  constructor(private readonly onBytes: (count: number) => void = () => undefined) {
    super();
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    this.onBytes(chunk.length);
    done(null, chunk);
  }
}

/**
 * Removes `aws-chunked` framing (`<hex size>[;chunk-signature=…]\r\n<bytes>\r\n … 0\r\n<trailers>\r\n`),
 * which the SDK uses for streamed bodies with trailing checksums and s3rver would store verbatim.
 */
class AwsChunkedDecoder extends Transform {
  private pending: Buffer = Buffer.alloc(0);
  private remaining = 0;
  private state: 'size' | 'data' | 'data-end' | 'trailer' | 'done' = 'size';

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    try {
      this.decode();
      done();
    } catch (error) {
      done(error instanceof Error ? error : new Error(String(error)));
    }
  }

  override _flush(done: TransformCallback): void {
    done(this.state === 'done' ? null : new S3Failure(400, 'IncompleteBody', 'The request body terminated unexpectedly'));
  }

  private decode(): void {
    for (;;) {
      if (this.state === 'data') {
        const take = Math.min(this.remaining, this.pending.length);
        if (take === 0) return;
        this.push(this.pending.subarray(0, take));
        this.pending = this.pending.subarray(take);
        this.remaining -= take;
        if (this.remaining === 0) this.state = 'data-end';
        continue;
      }
      if (this.state === 'done') {
        this.pending = Buffer.alloc(0);
        return;
      }
      const lineEnd = this.pending.indexOf('\r\n');
      if (lineEnd < 0) {
        if (this.pending.length > 64 * 1024) throw new S3Failure(400, 'InvalidRequest', 'Malformed aws-chunked body');
        return;
      }
      const line = this.pending.subarray(0, lineEnd).toString('latin1');
      this.pending = this.pending.subarray(lineEnd + 2);
      if (this.state === 'data-end') {
        if (line !== '') throw new S3Failure(400, 'InvalidRequest', 'Malformed aws-chunked body');
        this.state = 'size';
      } else if (this.state === 'size') {
        const size = parseInt(line.split(';')[0] ?? '', 16);
        if (Number.isNaN(size)) throw new S3Failure(400, 'InvalidRequest', 'Malformed aws-chunked body');
        this.remaining = size;
        this.state = size === 0 ? 'trailer' : 'data';
      } else if (line === '') {
        this.state = 'done'; // the trailers (checksums) end with an empty line
      }
    }
  }
}

/** What s3rver should receive for an object's bytes: aws-chunked framing removed, the bytes counted. */
function objectBody(req: IncomingMessage): { headers: IncomingHttpHeaders; through: Transform[]; counter: ByteCounter } {
  const counter = new ByteCounter();
  const encodings = (req.headers['content-encoding'] ?? '')
    .split(',')
    .map((encoding) => encoding.trim())
    .filter(Boolean);
  if (!encodings.includes('aws-chunked')) return { headers: req.headers, through: [counter], counter };
  const headers: IncomingHttpHeaders = { ...req.headers, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' };
  const decodedLength = header(headers['x-amz-decoded-content-length']);
  delete headers['x-amz-decoded-content-length'];
  delete headers['x-amz-trailer'];
  delete headers['content-length'];
  if (decodedLength !== undefined) headers['content-length'] = decodedLength;
  // S3 stores the object's other encodings, never aws-chunked.
  const stored = encodings.filter((encoding) => encoding !== 'aws-chunked');
  if (stored.length) headers['content-encoding'] = stored.join(',');
  else delete headers['content-encoding'];
  return { headers, through: [new AwsChunkedDecoder(), counter], counter };
}

async function readLimited(stream: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of stream) {
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    length += bytes.length;
    if (length > limit) throw new S3Failure(400, 'MaxMessageLengthExceeded', 'Your request was too big.');
    chunks.push(bytes);
  }
  return Buffer.concat(chunks);
}

/** A form POST read up to its file: the fields S3 reads, and the file still streaming. */
interface PostForm {
  /** The fields before the file, by lower-case name; a repeated field's values joined by commas, as S3 reads them. */
  fields: Map<string, string>;
  file: Readable;
  /** The name the client gave the file, without any folders. */
  fileName: string;
  /** Stops reading the form: the rest of the request body is drained unread. */
  release(): void;
}

/**
 * Streams a form POST through busboy until its `file` part: the fields before it are what S3 reads (it
 * ignores those after), and the file is handed over unread, so it streams on and is never held whole.
 */
function readPostForm(req: IncomingMessage): Promise<PostForm> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      // UTF-8 file names, as browsers send them (busboy's default for parameters is latin1).
      parser = busboy({ headers: req.headers, defParamCharset: 'utf8', limits: { fieldSize: MAX_POST_FIELD_BYTES, fieldNameSize: MAX_POST_FIELD_BYTES } });
    } catch {
      reject(new S3Failure(412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', { Condition: 'Bucket POST must be of the enclosure-type multipart/form-data' }));
      return;
    }
    const fields = new Map<string, string>();
    let preDataBytes = 0;
    let settled = false;
    const release = () => {
      req.unpipe(parser);
      parser.destroy();
      req.resume();
    };
    const fail = (error: unknown) => {
      if (settled) return;
      settled = true;
      release();
      reject(error);
    };
    const handOver = (file: Readable, fileName: string) => {
      settled = true;
      resolve({ fields, file, fileName: fileName.split(/[/\\]/).at(-1) ?? '', release });
    };
    parser.on('field', (name, value, info) => {
      if (settled) return; // after the file: S3 ignores it
      preDataBytes += Buffer.byteLength(name) + Buffer.byteLength(value);
      if (info.nameTruncated || info.valueTruncated || preDataBytes > MAX_POST_FIELD_BYTES) {
        fail(new S3Failure(400, 'MaxPostPreDataLengthExceeded', 'Your POST request fields preceeding the upload file was too large.'));
        return;
      }
      const lower = name.toLowerCase();
      // S3 takes a text field named `file` as the file's content.
      if (lower === 'file') return handOver(Readable.from([Buffer.from(value)]), '');
      const previous = fields.get(lower);
      fields.set(lower, previous === undefined ? value : `${previous},${value}`);
    });
    parser.on('file', (name, stream, info) => {
      if (settled || name.toLowerCase() !== 'file') {
        stream.resume();
        return;
      }
      handOver(stream, info.filename ?? '');
    });
    // Once the file is handed over, busboy's errors reach its stream (it destroys it with them).
    parser.on('error', () => fail(new S3Failure(400, 'MalformedPOSTRequest', 'The body of your POST request is not well-formed multipart/form-data.')));
    parser.on('close', () => fail(invalidArgument('POST requires exactly one file upload per request.', 'file', '0')));
    // A client gone mid-form never ends the body: stop the parser, so a file being read fails.
    req.once('close', () => {
      if (!req.complete) parser.destroy(new Error('the client closed the connection mid-request'));
    });
    req.pipe(parser);
  });
}

/** `bucket/key[?versionId=…]`, percent-encoded, as S3 reads x-amz-copy-source. */
function parseCopySource(raw: string): { bucket: string; key: string; versionId?: string } {
  const queryStart = raw.indexOf('?');
  const path = queryStart < 0 ? raw : raw.slice(0, queryStart);
  const versionId = queryStart < 0 ? undefined : (new URLSearchParams(raw.slice(queryStart + 1)).get('versionId') ?? undefined);
  let decoded: string;
  try {
    decoded = decodeURIComponent(path.replace(/^\//, ''));
  } catch {
    throw invalidArgument('Invalid copy source encoding', 'x-amz-copy-source', raw);
  }
  const slash = decoded.indexOf('/');
  if (slash <= 0 || slash === decoded.length - 1) throw invalidArgument('Invalid copy source object key', 'x-amz-copy-source', raw);
  return { bucket: decoded.slice(0, slash), key: decoded.slice(slash + 1), ...(versionId !== undefined ? { versionId } : {}) };
}

/** The metadata a CopyObject with `x-amz-metadata-directive: REPLACE` gives its copy. */
function replacementMetadata(headers: IncomingHttpHeaders): Partial<CopyObjectCommandInput> {
  const metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (name.startsWith('x-amz-meta-') && value !== undefined) metadata[name.slice('x-amz-meta-'.length)] = String(value);
  }
  const expires = header(headers.expires);
  return {
    MetadataDirective: 'REPLACE',
    ContentType: header(headers['content-type']),
    CacheControl: header(headers['cache-control']),
    ContentDisposition: header(headers['content-disposition']),
    ContentEncoding: header(headers['content-encoding']),
    ContentLanguage: header(headers['content-language']),
    ...(expires ? { Expires: new Date(expires) } : {}),
    Metadata: metadata,
  };
}

/** The response-* query parameters of a GET, which override the stored headers. */
function responseOverrides(query: URLSearchParams): Partial<GetObjectCommandInput> {
  const expires = query.get('response-expires');
  return {
    ResponseCacheControl: query.get('response-cache-control') ?? undefined,
    ResponseContentDisposition: query.get('response-content-disposition') ?? undefined,
    ResponseContentEncoding: query.get('response-content-encoding') ?? undefined,
    ResponseContentLanguage: query.get('response-content-language') ?? undefined,
    ResponseContentType: query.get('response-content-type') ?? undefined,
    ...(expires ? { ResponseExpires: new Date(expires) } : {}),
  };
}

/** The headers of a stored object read back from s3rver, named as the version the journal knows. */
function storedObjectHeaders(out: GetObjectCommandOutput | HeadObjectCommandOutput, version: ObjectVersion): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = {
    'accept-ranges': 'bytes',
    etag: version.etag,
    'last-modified': httpDate(version.lastModified),
    'x-amz-version-id': version.versionId,
  };
  const optional: Array<[string, string | number | undefined]> = [
    ['content-type', out.ContentType],
    ['content-length', out.ContentLength],
    ['content-range', out.ContentRange],
    ['content-encoding', out.ContentEncoding],
    ['content-disposition', out.ContentDisposition],
    ['content-language', out.ContentLanguage],
    ['cache-control', out.CacheControl],
    ['expires', out.ExpiresString],
  ];
  for (const [name, value] of optional) if (value !== undefined) headers[name] = value;
  for (const [name, value] of Object.entries(out.Metadata ?? {})) headers[`x-amz-meta-${name}`] = value;
  return headers;
}

const isMissing = (error: unknown) => error instanceof S3ServiceException && ['NoSuchKey', 'NotFound', 'NoSuchVersion'].includes(error.name);

/* ---------------------------------------------------------------- the proxy */

/** One client request, as the handlers see it. */
interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  query: URLSearchParams;
  /** Decoded from the path (path-style addressing): '' for the service, '' key for the bucket itself. */
  bucket: string;
  key: string;
  ids: { requestId: string; hostId: string };
}

/** Writes a response; a handler computes it while holding a key's lock and sends it after. */
type Reply = (res: ServerResponse) => Promise<void>;

interface StoredBytes {
  md5: string;
  etag: string;
  size: number;
}

interface WriteOutcome<T> {
  value: T;
  /** What s3rver stored, when it stored the write. */
  stored?: StoredBytes;
  /** Whether s3rver may have half-written the key (an error of its own, a body cut short). */
  restore?: boolean;
  alsoJournal?: JournalEntry[];
}

/** The version a write displaces, copied aside before s3rver overwrites it. */
interface Kept {
  /** Whether s3rver held bytes at the key (now also kept in the shadow bucket). */
  wasLive: boolean;
  entries: JournalEntry[];
  /** Puts the displaced bytes back, when s3rver may have half-written the key. */
  restore(): Promise<void>;
  /** Drops the copy, when the write failed before s3rver touched the key. */
  discard(): Promise<void>;
}

const NOTHING_KEPT: Kept = { wasLive: false, entries: [], restore: async () => undefined, discard: async () => undefined };

/** Subresources of an object or bucket this proxy leaves to s3rver, whatever s3rver makes of them. */
const OBJECT_SUBRESOURCES = ['acl', 'tagging', 'legal-hold', 'retention', 'torrent', 'restore', 'select', 'attributes'];
const BUCKET_SUBRESOURCES = [
  'acl', 'analytics', 'cors', 'encryption', 'inventory', 'lifecycle', 'location', 'logging', 'metrics', 'notification', 'object-lock',
  'policy', 'policyStatus', 'publicAccessBlock', 'replication', 'requestPayment', 'tagging', 'uploads', 'website', 'accelerate', 'ownershipControls',
];

interface ProxyOptions {
  upstream: URL;
  served: Set<string>;
  region: string;
  notifications: Record<string, S3NotificationTarget[]>;
  journal: Journal;
  s3: S3Client;
}

class StrictS3Proxy {
  readonly stats = { requests: 0, bytesServed: 0 };
  private readonly locks = new KeyLocks();
  private readonly deliveries = new Set<Promise<void>>();
  private readonly warned = new Set<string>();
  // Connections are reused (a new one per request cost a tenth of a month's PUT time). s3rver closes an
  // idle socket after its keep-alive timeout, and says so in its Keep-Alive header; Node's agent drops a
  // free socket a second before that, so it never writes to one s3rver has just closed.
  private readonly upstreamAgent = new Agent({ keepAlive: true });
  private readonly state: VersionState;

  constructor(private readonly options: ProxyOptions) {
    this.state = options.journal.state;
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.stats.requests += 1;
    const ids = { requestId: randomBytes(8).toString('hex').toUpperCase(), hostId: randomBytes(24).toString('base64') };
    res.setHeader('x-amz-request-id', ids.requestId);
    res.setHeader('x-amz-id-2', ids.hostId);
    try {
      // The raw path, not a URL's: a URL would resolve `..` and `.` segments, which are part of S3 keys.
      const [path = '/', queryText = ''] = (req.url ?? '/').split(/\?(.*)/s);
      const query = new URLSearchParams(queryText);
      const [, bucketSegment = '', ...keySegments] = path.split('/');
      let bucket: string;
      let key: string;
      try {
        bucket = decodeURIComponent(bucketSegment);
        key = keySegments.map((segment) => decodeURIComponent(segment)).join('/');
      } catch {
        throw new S3Failure(400, 'InvalidURI', "Couldn't parse the specified URI.", { URI: req.url ?? '' });
      }
      const exchange: Exchange = { req, res, query, bucket, key, ids };
      if (!this.isFormPost(exchange)) authenticate(req, query);
      await this.dispatch(exchange);
    } catch (error) {
      this.answerFailure(req, res, ids, error);
    }
  }

  /** Waits for the notifications in flight. */
  async drain(): Promise<void> {
    while (this.deliveries.size) await Promise.allSettled([...this.deliveries]);
    this.upstreamAgent.destroy();
  }

  private async dispatch(x: Exchange): Promise<void> {
    const { method } = x.req;
    const query = x.query;
    if (x.bucket === '') return method === 'GET' ? this.listBuckets(x) : this.relayUnchanged(x);
    if (x.bucket === SHADOW_BUCKET) throw new S3Failure(404, 'NoSuchBucket', 'The specified bucket does not exist', { BucketName: x.bucket });
    // Every bucket's forms, served or not: s3rver would take any form, unsigned or not.
    if (this.isFormPost(x)) return this.postObject(x);
    const copySource = header(x.req.headers['x-amz-copy-source']);
    if (method === 'PUT' && x.key && copySource !== undefined && !query.has('uploadId')) {
      const source = parseCopySource(copySource);
      if (this.options.served.has(x.bucket) || this.options.served.has(source.bucket)) return this.copyObject(x, source);
    }
    if (!this.options.served.has(x.bucket)) return this.relayUnchanged(x);
    if (x.key === '') return this.bucketRequest(x);
    if (OBJECT_SUBRESOURCES.some((name) => query.has(name))) return this.relayUnchanged(x);
    switch (method) {
      case 'GET':
      case 'HEAD':
        return query.has('uploadId') ? this.relayUnchanged(x) : this.getObject(x);
      case 'PUT':
        return query.has('uploadId') ? this.uploadPart(x) : this.putObject(x);
      case 'POST':
        if (query.has('uploads')) return this.createMultipartUpload(x);
        return query.has('uploadId') ? this.completeMultipartUpload(x) : this.relayUnchanged(x);
      case 'DELETE':
        return query.has('uploadId') ? this.abortMultipartUpload(x) : this.deleteObject(x);
      default:
        return this.relayUnchanged(x);
    }
  }

  private async bucketRequest(x: Exchange): Promise<void> {
    const query = x.query;
    if (x.req.method === 'GET' && query.has('versions')) return this.listObjectVersions(x);
    if (x.req.method === 'GET' && query.has('versioning')) {
      return this.sendBody(x.res, 200, { 'content-type': 'application/xml' }, xmlDocument('VersioningConfiguration', element('Status', 'Enabled')));
    }
    if (BUCKET_SUBRESOURCES.some((name) => query.has(name))) return this.relayUnchanged(x);
    if (x.req.method === 'GET') return this.listObjects(x);
    if (x.req.method === 'POST' && query.has('delete')) return this.deleteObjects(x);
    if (x.req.method === 'POST') return this.postObject(x);
    return this.relayUnchanged(x);
  }

  private isFormPost(x: Exchange): boolean {
    return x.req.method === 'POST' && x.bucket !== '' && x.key === '' && !x.query.has('delete') && /^multipart\/form-data/i.test(x.req.headers['content-type'] ?? '');
  }

  /* ---------------------------------------------------------------- reads */

  private async getObject(x: Exchange): Promise<void> {
    const versionId = x.query.get('versionId') ?? undefined;
    if (versionId === '') throw invalidArgument('Version id cannot be the empty string', 'versionId', '');
    // The lock is held until s3rver answers, so the headers name the version the bytes are; the body
    // streams after it is released.
    const reply = await this.locks.run([lockName(x.bucket, x.key)], async (): Promise<Reply> => {
      const history = this.state.history(x.bucket, x.key);
      const version = versionId === undefined ? history[0] : findVersion(history, versionId);
      if (versionId !== undefined && !version) throw noSuchVersion(x.key, versionId);
      if (version?.kind === 'marker') {
        const markerHeaders = { 'x-amz-delete-marker': 'true', 'x-amz-version-id': version.versionId };
        if (versionId === undefined) throw noSuchKey(x.key, markerHeaders);
        // S3 answers a GET or HEAD naming a delete marker with 405 and the marker's time.
        throw new S3Failure(405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.', { Method: x.req.method ?? 'GET', ResourceType: 'DeleteMarker' }, {
          ...markerHeaders,
          'last-modified': httpDate(version.lastModified),
        });
      }
      if (version) checkPreconditions(x.req.headers, version);
      if (version && version !== history[0]) return this.noncurrentReply(x, version);
      const upstream = await this.forward(x.req);
      return (res) => this.relay(res, upstream, this.liveVersionHeaders(x, upstream, version));
    });
    await reply(x.res);
  }

  /** Names the bytes s3rver served by the version the journal has for them (S3's ETag, version id, time). */
  private liveVersionHeaders(x: Exchange, upstream: IncomingMessage, expected: ObjectVersion | undefined): OutgoingHttpHeaders {
    if (!succeeded(upstream.statusCode ?? 502)) return {};
    const md5 = unquote(header(upstream.headers.etag));
    if (expected && expected.md5 === md5) {
      return { etag: expected.etag, 'last-modified': httpDate(expected.lastModified), 'x-amz-version-id': expected.versionId };
    }
    if (expected) this.warnOnce(`${x.bucket}/${x.key} was changed outside the proxy: it is served as version null`);
    return { 'x-amz-version-id': 'null' };
  }

  private async noncurrentReply(x: Exchange, version: ObjectVersion): Promise<Reply> {
    if (!version.shadowKey) throw noSuchVersion(x.key, version.versionId);
    const input = { Bucket: SHADOW_BUCKET, Key: version.shadowKey, Range: header(x.req.headers.range), ...responseOverrides(x.query) };
    try {
      if (x.req.method === 'HEAD') {
        const out = await this.options.s3.send(new HeadObjectCommand(input));
        return (res) => this.sendBody(res, out.ContentRange ? 206 : 200, storedObjectHeaders(out, version), '');
      }
      const out = await this.options.s3.send(new GetObjectCommand(input));
      const body = out.Body;
      if (!(body instanceof Readable)) throw new Error('s3-strict: expected a Node stream from GetObject');
      return async (res) => {
        res.writeHead(out.ContentRange ? 206 : 200, storedObjectHeaders(out, version));
        await pipeline(body, this.servedCounter(), res);
      };
    } catch (error) {
      if (!isMissing(error)) throw error;
      this.warnOnce(`the bytes of ${x.bucket}/${x.key} version ${version.versionId} are gone from s3rver`);
      throw noSuchVersion(x.key, version.versionId);
    }
  }

  private async listObjects(x: Exchange): Promise<void> {
    const upstream = await this.forward(x.req);
    const body = await readBody(upstream);
    if (!succeeded(upstream.statusCode ?? 502)) return this.sendBuffered(x.res, upstream, body);
    // The listing stays s3rver's (current versions only); the ETags and times become the versions' own.
    const xml = body.toString('utf8').replace(/<Contents>([\s\S]*?)<\/Contents>/g, (block, inner: string) => {
      const key = xmlValue(inner, 'Key');
      const current = key === undefined ? undefined : this.state.history(x.bucket, key)[0];
      if (current?.kind !== 'object' || current.md5 !== unquote(xmlValue(inner, 'ETag'))) return block;
      return block.replace(/<ETag>[\s\S]*?<\/ETag>/, element('ETag', current.etag)).replace(/<LastModified>[\s\S]*?<\/LastModified>/, element('LastModified', current.lastModified));
    });
    return this.sendBuffered(x.res, upstream, Buffer.from(xml));
  }

  private async listObjectVersions(x: Exchange): Promise<void> {
    const query = x.query;
    const prefix = query.get('prefix') ?? '';
    const delimiter = query.get('delimiter') ?? '';
    const keyMarker = query.get('key-marker') ?? '';
    const versionIdMarker = query.get('version-id-marker') ?? '';
    const maxKeysText = query.get('max-keys') ?? String(MAX_KEYS);
    const maxKeys = Number(maxKeysText);
    if (!Number.isInteger(maxKeys) || maxKeys < 0) throw invalidArgument('Provided max-keys not an integer or within integer range', 'max-keys', maxKeysText);

    type Row = { key: string; version: Version; latest: boolean } | { key: string; commonPrefix: true };
    const keys = this.state.keys(x.bucket, prefix).sort(compareKeys);
    const rows: Row[] = [];
    for (const key of keys) {
      const cut = delimiter ? key.indexOf(delimiter, prefix.length) : -1;
      if (cut >= 0) {
        const commonPrefix = key.slice(0, cut + delimiter.length);
        if (rows.at(-1)?.key !== commonPrefix) rows.push({ key: commonPrefix, commonPrefix: true });
        continue;
      }
      this.state.history(x.bucket, key).forEach((version, index) => rows.push({ key, version, latest: index === 0 }));
    }
    const markerRow = versionIdMarker ? rows.findIndex((row) => row.key === keyMarker && 'version' in row && row.version.versionId === versionIdMarker) : -1;
    const firstAfterKey = rows.findIndex((row) => compareKeys(row.key, keyMarker) > 0);
    const start = !keyMarker ? 0 : markerRow >= 0 ? markerRow + 1 : firstAfterKey < 0 ? rows.length : firstAfterKey;
    const page = rows.slice(start, start + Math.min(maxKeys, MAX_KEYS));
    const truncated = start + page.length < rows.length;
    const last = page.at(-1);
    const owner = `<Owner>${element('ID', OWNER.id)}${element('DisplayName', OWNER.displayName)}</Owner>`;
    const body = [
      element('Name', x.bucket),
      element('Prefix', prefix),
      element('KeyMarker', keyMarker),
      element('VersionIdMarker', versionIdMarker),
      ...(truncated && last ? [element('NextKeyMarker', last.key), ...('version' in last ? [element('NextVersionIdMarker', last.version.versionId)] : [])] : []),
      element('MaxKeys', maxKeysText),
      ...(delimiter ? [element('Delimiter', delimiter)] : []),
      element('IsTruncated', truncated),
      ...page.map((row) => {
        if (!('version' in row)) return `<CommonPrefixes>${element('Prefix', row.key)}</CommonPrefixes>`;
        const common = element('Key', row.key) + element('VersionId', row.version.versionId) + element('IsLatest', row.latest) + element('LastModified', row.version.lastModified);
        if (row.version.kind === 'marker') return `<DeleteMarker>${common}${owner}</DeleteMarker>`;
        return `<Version>${common}${element('ETag', row.version.etag)}${element('Size', row.version.size)}${owner}${element('StorageClass', 'STANDARD')}</Version>`;
      }),
    ].join('');
    return this.sendBody(x.res, 200, { 'content-type': 'application/xml' }, xmlDocument('ListVersionsResult', body));
  }

  private async listBuckets(x: Exchange): Promise<void> {
    const upstream = await this.forward(x.req);
    const body = await readBody(upstream);
    const hidden = body.toString('utf8').replace(/<Bucket>([\s\S]*?)<\/Bucket>/g, (block, inner: string) => (xmlValue(inner, 'Name') === SHADOW_BUCKET ? '' : block));
    return this.sendBuffered(x.res, upstream, Buffer.from(hidden));
  }

  /* ---------------------------------------------------------------- writes */

  private async putObject(x: Exchange): Promise<void> {
    const body = objectBody(x.req);
    const { value: upstream, version } = await this.replaceCurrent(x.bucket, x.key, async () => {
      const upstream = await this.forward(x.req, body.headers, { source: x.req, through: body.through });
      const response = await readBody(upstream);
      const status = upstream.statusCode ?? 502;
      const md5 = unquote(header(upstream.headers.etag));
      const stored = succeeded(status) && Md5Schema.safeParse(md5).success ? { md5, etag: quote(md5), size: body.counter.bytes } : undefined;
      return { value: { upstream, response }, ...(stored ? { stored } : {}), restore: status >= 500 };
    });
    if (version) this.announceAfterResponse(x, x.key, version, 'ObjectCreated:Put');
    return this.sendBuffered(x.res, upstream.upstream, upstream.response, version ? { 'x-amz-version-id': version.versionId } : {});
  }

  /**
   * POST Object, as S3 judges a browser's form: signature and policy first, then the conditions and
   * fields, then the file's size as it streams. The file waits in the shadow bucket until its size is
   * known, so a refused file never touches the key; an accepted one is copied to the key as a new version.
   */
  private async postObject(x: Exchange): Promise<void> {
    if (!/^multipart\/form-data/i.test(x.req.headers['content-type'] ?? '')) {
      throw new S3Failure(412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', {
        Condition: 'Bucket POST must be of the enclosure-type multipart/form-data',
      });
    }
    const form = await readPostForm(x.req);
    try {
      const { accessKeyId, policy } = authenticatePost(form.fields, this.options.region);
      // S3 expands ${filename} in every field before it checks the policy (not in the policy or signature).
      const fields = new Map([...form.fields].map(([name, value]) => [name, name === 'policy' || name === 'x-amz-signature' ? value : value.replaceAll(FILE_NAME_VARIABLE, form.fileName)]));
      const key = fields.get('key');
      if (!key) throw invalidArgument("Bucket POST must contain a field named 'key'.  If it is specified, please check the order of the fields.", 'key', '');
      if (Buffer.byteLength(key) > 1024) throw new S3Failure(400, 'KeyTooLongError', 'Your key is too long', { Size: String(Buffer.byteLength(key)), MaxSizeAllowed: '1024' });
      const range = checkPolicyConditions(policy.conditions, fields, x.bucket);
      const staged = await this.stagePostFile(form.file, postedObjectHeaders(fields), range);
      let written: { value: { md5: string }; version?: ObjectVersion };
      try {
        written = await this.replaceCurrent(x.bucket, key, async () => {
          const copied = await this.copyWithin(staged, { bucket: x.bucket, key });
          if (!copied) throw new Error(`s3-strict: the POSTed file for ${x.bucket}/${key} is gone from the staging area`);
          return { value: copied, stored: { md5: copied.md5, etag: quote(copied.md5), size: staged.size } };
        });
      } finally {
        await this.deleteAt(staged).catch((error: unknown) => this.warnOnce(`could not remove a staged POST upload: ${String(error)}`));
      }
      const { value, version } = written;
      if (version) this.announceAfterResponse(x, key, version, 'ObjectCreated:Post', accessKeyId);
      await this.answerPost(x, fields, key, quote(value.md5), version);
    } finally {
      form.release();
    }
  }

  /**
   * Streams a form's file into the shadow bucket, counting its bytes; refuses it (and drops what was
   * staged) when its size is outside the policy's range. Past the maximum nothing more is sent to
   * s3rver, but the file is read to its end, as its size is what S3's error gives.
   */
  private async stagePostFile(file: Readable, headers: IncomingHttpHeaders, range: { min: number; max: number }): Promise<{ bucket: string; key: string; size: number }> {
    const staged = { bucket: SHADOW_BUCKET, key: `${POST_STAGING_PREFIX}${randomBytes(16).toString('hex')}` };
    const body = new PassThrough();
    // No length: Node sends it chunked, and s3rver stores what arrives.
    const upstream = this.send('PUT', `/${SHADOW_BUCKET}/${staged.key}`, headers, { source: body });
    upstream.catch(() => undefined); // awaited below; a failure while the file streams surfaces there
    let size = 0;
    let failure: unknown;
    try {
      for await (const chunk of file) {
        const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
        size += bytes.length;
        if (size > range.max) continue;
        if (!body.write(bytes)) await once(body, 'drain');
      }
    } catch (error) {
      failure = error;
    }
    // The staged object is always completed, then dropped if refused: an aborted PUT would leave s3rver a
    // half-written file with no metadata.
    body.end();
    try {
      const response = await upstream;
      await readBody(response);
      if (!succeeded(response.statusCode ?? 502)) failure ??= new Error(`s3-strict: s3rver answered ${response.statusCode} to staging a POST upload`);
    } catch (error) {
      failure ??= error;
    }
    if (failure === undefined && size > range.max) {
      failure = new S3Failure(400, 'EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size', { ProposedSize: String(size), MaxSizeAllowed: String(range.max) });
    }
    if (failure === undefined && size < range.min) {
      failure = new S3Failure(400, 'EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed size', { ProposedSize: String(size), MinSizeAllowed: String(range.min) });
    }
    if (failure === undefined) return { ...staged, size };
    await this.deleteAt(staged).catch(() => undefined);
    throw failure;
  }

  /** S3's answer to a stored form: a 303 to `success_action_redirect`, else `success_action_status` (204 unless 200 or 201). */
  private answerPost(x: Exchange, fields: ReadonlyMap<string, string>, key: string, etag: string, version: ObjectVersion | undefined): Promise<void> {
    const location = `http://${x.req.headers.host ?? '127.0.0.1'}/${encodeURIComponent(x.bucket)}/${key.split('/').map(encodeURIComponent).join('/')}`;
    const headers: OutgoingHttpHeaders = { etag, location, ...(version ? { 'x-amz-version-id': version.versionId } : {}) };
    const redirect = postRedirect(fields.get('success_action_redirect') ?? fields.get('redirect'), x.bucket, key, etag);
    if (redirect) return this.sendBody(x.res, 303, { ...headers, location: redirect }, '');
    const status = fields.get('success_action_status');
    if (status === '201') {
      const body = element('Location', location) + element('Bucket', x.bucket) + element('Key', key) + element('ETag', etag);
      return this.sendBody(x.res, 201, { ...headers, 'content-type': 'application/xml' }, `<?xml version="1.0" encoding="UTF-8"?>\n<PostResponse>${body}</PostResponse>`);
    }
    return this.sendBody(x.res, status === '200' ? 200 : 204, headers, '');
  }

  private async copyObject(x: Exchange, source: { bucket: string; key: string; versionId?: string }): Promise<void> {
    const directive = header(x.req.headers['x-amz-metadata-directive']) ?? 'COPY';
    if (directive !== 'COPY' && directive !== 'REPLACE') throw invalidArgument('Unknown metadata directive.', 'x-amz-metadata-directive', directive);
    const result = await this.locks.run([lockName(source.bucket, source.key), lockName(x.bucket, x.key)], async () => {
      const origin = await this.copyOrigin(source);
      if (source.bucket === x.bucket && source.key === x.key && origin.current && directive === 'COPY') {
        throw new S3Failure(
          400,
          'InvalidRequest',
          "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
        );
      }
      const written = await this.replaceCurrentLocked(x.bucket, x.key, async () => {
        const copied = await this.copyWithin(origin.location, { bucket: x.bucket, key: x.key }, directive === 'REPLACE' ? replacementMetadata(x.req.headers) : {});
        if (!copied) throw noSuchKey(source.key);
        // A single copy's ETag is the MD5 of its bytes, whatever the source's was.
        return { value: copied, stored: { md5: copied.md5, etag: quote(copied.md5), size: origin.version.size } };
      });
      return { origin, ...written };
    });
    const lastModified = result.version?.lastModified ?? result.value.lastModified;
    const headers: OutgoingHttpHeaders = { 'content-type': 'application/xml' };
    if (result.version) headers['x-amz-version-id'] = result.version.versionId;
    if (this.options.served.has(source.bucket)) headers['x-amz-copy-source-version-id'] = result.origin.version.versionId;
    if (result.version) this.announceAfterResponse(x, x.key, result.version, 'ObjectCreated:Copy');
    return this.sendBody(x.res, 200, headers, xmlDocument('CopyObjectResult', element('LastModified', lastModified) + element('ETag', quote(result.value.md5))));
  }

  /** Where the bytes a CopySource names are, and which version they are. */
  private async copyOrigin(source: { bucket: string; key: string; versionId?: string }): Promise<{ version: ObjectVersion; location: { bucket: string; key: string }; current: boolean }> {
    const atKey = { bucket: source.bucket, key: source.key };
    if (!this.options.served.has(source.bucket)) {
      // An unversioned bucket: its objects are the null version.
      const version = source.versionId === undefined || source.versionId === 'null' ? await this.untrackedLive(source.bucket, source.key) : undefined;
      if (!version) throw source.versionId === undefined ? noSuchKey(source.key) : noSuchVersion(source.key, source.versionId);
      return { version, location: atKey, current: true };
    }
    const history = this.state.history(source.bucket, source.key);
    if (source.versionId === undefined) {
      const current = history[0];
      if (current?.kind === 'marker') throw noSuchKey(source.key, { 'x-amz-delete-marker': 'true', 'x-amz-version-id': current.versionId });
      if (!current) throw noSuchKey(source.key);
      return { version: current, location: atKey, current: true };
    }
    const version = findVersion(history, source.versionId);
    if (!version) throw noSuchVersion(source.key, source.versionId);
    if (version.kind === 'marker') throw new S3Failure(400, 'InvalidRequest', 'The source of a copy request may not specifically refer to a delete marker by version id.');
    if (version === history[0]) return { version, location: atKey, current: true };
    if (!version.shadowKey) throw noSuchVersion(source.key, source.versionId);
    return { version, location: { bucket: SHADOW_BUCKET, key: version.shadowKey }, current: false };
  }

  private async createMultipartUpload(x: Exchange): Promise<void> {
    const upstream = await this.forward(x.req, x.req.headers, { source: x.req });
    const body = await readBody(upstream);
    const uploadId = xmlValue(body.toString('utf8'), 'UploadId');
    if (succeeded(upstream.statusCode ?? 502) && uploadId) await this.options.journal.commit([{ op: 'upload', uploadId, bucket: x.bucket, key: x.key }]);
    return this.sendBuffered(x.res, upstream, body);
  }

  private openUpload(x: Exchange): { uploadId: string; upload: OpenUpload } {
    const uploadId = x.query.get('uploadId') ?? '';
    const upload = this.state.uploads.get(uploadId);
    // S3 knows an upload by its key too: an upload id used with another key does not exist.
    if (!upload || upload.bucket !== x.bucket || upload.key !== x.key) throw noSuchUpload(uploadId);
    return { uploadId, upload };
  }

  private async uploadPart(x: Exchange): Promise<void> {
    if (x.req.headers['x-amz-copy-source'] !== undefined) return this.relayUnchanged(x); // UploadPartCopy: s3rver says NotImplemented
    const { uploadId } = this.openUpload(x);
    const partText = x.query.get('partNumber') ?? '';
    const partNumber = Number(partText);
    if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > MAX_PART_NUMBER) {
      throw invalidArgument('Part number must be an integer between 1 and 10000, inclusive', 'partNumber', partText);
    }
    const body = objectBody(x.req);
    const upstream = await this.forward(x.req, body.headers, { source: x.req, through: body.through });
    const response = await readBody(upstream);
    const md5 = unquote(header(upstream.headers.etag));
    if (succeeded(upstream.statusCode ?? 502) && Md5Schema.safeParse(md5).success) {
      await this.options.journal.commit([{ op: 'part', uploadId, partNumber, md5, size: body.counter.bytes }]);
    }
    return this.sendBuffered(x.res, upstream, response);
  }

  private async completeMultipartUpload(x: Exchange): Promise<void> {
    const { uploadId, upload } = this.openUpload(x);
    const request = await readLimited(x.req, MAX_XML_BODY_BYTES);
    const listed = xmlBlocks(request.toString('utf8'), 'Part').map((part) => ({ partNumber: Number(xmlValue(part, 'PartNumber')), md5: unquote(xmlValue(part, 'ETag')).toLowerCase() }));
    if (listed.length === 0 || listed.some((part) => !Number.isInteger(part.partNumber))) throw malformedXml();
    // The checks S3 makes of the part list, none of which s3rver makes: the order, then each part.
    if (listed.some((part, index) => index > 0 && part.partNumber <= (listed[index - 1]?.partNumber ?? 0))) {
      throw new S3Failure(400, 'InvalidPartOrder', 'The list of parts was not in ascending order. The parts list must be specified in order by part number.');
    }
    const uploaded = listed.map((part) => {
      const stored = upload.parts.get(part.partNumber);
      if (stored?.md5 === part.md5) return stored;
      throw new S3Failure(400, 'InvalidPart', "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.", {
        UploadId: uploadId,
        PartNumber: String(part.partNumber),
        ETag: part.md5,
      });
    });
    const tooSmall = uploaded.findIndex((part, index) => index < uploaded.length - 1 && part.size < MIN_PART_BYTES);
    if (tooSmall >= 0) {
      throw new S3Failure(400, 'EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed object size.', {
        ProposedSize: String(uploaded[tooSmall]?.size ?? 0),
        MinSizeAllowed: String(MIN_PART_BYTES),
        PartNumber: String(listed[tooSmall]?.partNumber ?? 0),
        ETag: listed[tooSmall]?.md5 ?? '',
      });
    }
    const size = uploaded.reduce((total, part) => total + part.size, 0);
    const { value, version } = await this.replaceCurrent(x.bucket, x.key, async () => {
      const upstream = await this.forward(x.req, x.req.headers, request);
      const response = (await readBody(upstream)).toString('utf8');
      const status = upstream.statusCode ?? 502;
      const md5 = unquote(xmlValue(response, 'ETag'));
      const stored = succeeded(status) && Md5Schema.safeParse(md5).success ? { md5, etag: multipartEtag(listed.map((part) => part.md5)), size } : undefined;
      return { value: { upstream, response }, ...(stored ? { stored } : {}), restore: status >= 500, alsoJournal: [{ op: 'upload-done', uploadId }] };
    });
    if (!version) return this.sendBuffered(x.res, value.upstream, Buffer.from(value.response));
    this.announceAfterResponse(x, x.key, version, 'ObjectCreated:CompleteMultipartUpload');
    const rewritten = value.response.replace(/<ETag>[\s\S]*?<\/ETag>/, element('ETag', version.etag));
    return this.sendBuffered(x.res, value.upstream, Buffer.from(rewritten), { 'x-amz-version-id': version.versionId });
  }

  private async abortMultipartUpload(x: Exchange): Promise<void> {
    const { uploadId } = this.openUpload(x);
    const upstream = await this.forward(x.req);
    const body = await readBody(upstream);
    if (succeeded(upstream.statusCode ?? 502)) await this.options.journal.commit([{ op: 'upload-done', uploadId }]);
    return this.sendBuffered(x.res, upstream, body);
  }

  private async deleteObject(x: Exchange): Promise<void> {
    const versionId = x.query.get('versionId') ?? undefined;
    if (versionId === '') throw invalidArgument('Version id cannot be the empty string', 'versionId', '');
    const deleted = await this.locks.run([lockName(x.bucket, x.key)], () => this.deleteLocked(x.bucket, x.key, versionId));
    return this.sendBody(x.res, 204, { ...(deleted.deleteMarker ? { 'x-amz-delete-marker': 'true' } : {}), 'x-amz-version-id': deleted.versionId }, '');
  }

  private async deleteObjects(x: Exchange): Promise<void> {
    const request = (await readLimited(x.req, MAX_XML_BODY_BYTES)).toString('utf8');
    const quiet = xmlValue(request, 'Quiet') === 'true';
    const objects = xmlBlocks(request, 'Object').map((block) => ({ key: xmlValue(block, 'Key'), versionId: xmlValue(block, 'VersionId') }));
    if (objects.length === 0 || objects.length > MAX_KEYS) throw malformedXml();
    const results: string[] = [];
    for (const { key, versionId } of objects) {
      if (key === undefined) throw malformedXml();
      try {
        const deleted = await this.locks.run([lockName(x.bucket, key)], () => this.deleteLocked(x.bucket, key, versionId));
        if (quiet) continue;
        const marker = deleted.deleteMarker ? element('DeleteMarker', true) + element('DeleteMarkerVersionId', deleted.versionId) : '';
        results.push(`<Deleted>${element('Key', key)}${versionId !== undefined ? element('VersionId', versionId) : ''}${marker}</Deleted>`);
      } catch (error) {
        console.error(`s3-strict: could not delete ${x.bucket}/${key}: ${error instanceof Error ? error.message : String(error)}`);
        results.push(`<Error>${element('Key', key)}${versionId !== undefined ? element('VersionId', versionId) : ''}${element('Code', 'InternalError')}${element('Message', 'We encountered an internal error. Please try again.')}</Error>`);
      }
    }
    return this.sendBody(x.res, 200, { 'content-type': 'application/xml' }, xmlDocument('DeleteResult', results.join('')));
  }

  /** S3's DELETE, holding the key's lock: a marker without a version id, else exactly that version. */
  private async deleteLocked(bucket: string, key: string, versionId: string | undefined): Promise<{ versionId: string; deleteMarker: boolean }> {
    if (versionId === undefined) {
      const kept = await this.keepCurrent(bucket, key);
      if (kept.wasLive) await this.deleteAt({ bucket, key });
      const marker: DeleteMarker = { kind: 'marker', versionId: newVersionId(), lastModified: nowToTheSecond() };
      await this.options.journal.commit([...kept.entries, { op: 'add', bucket, key, version: marker }]);
      return { versionId: marker.versionId, deleteMarker: true };
    }
    const history = this.state.history(bucket, key);
    const version = findVersion(history, versionId);
    if (!version) return { versionId, deleteMarker: false }; // S3 answers 204 for a version that is not there
    const wasCurrent = version === history[0];
    if (version.kind === 'object' && wasCurrent) await this.deleteAt({ bucket, key });
    else if (version.kind === 'object' && version.shadowKey) await this.deleteAt({ bucket: SHADOW_BUCKET, key: version.shadowKey });
    const entries: JournalEntry[] = [{ op: 'drop', bucket, key, versionId }];
    // As on S3, the previous version becomes current; s3rver serves a current version from its key.
    const next = wasCurrent ? history[1] : undefined;
    const restored = next?.kind === 'object' && next.shadowKey ? { bucket: SHADOW_BUCKET, key: next.shadowKey } : undefined;
    if (next && restored && (await this.copyWithin(restored, { bucket, key }))) entries.push({ op: 'live', bucket, key, versionId: next.versionId });
    await this.options.journal.commit(entries);
    if (restored) await this.deleteAt(restored);
    return { versionId, deleteMarker: version.kind === 'marker' };
  }

  /** A new current version of the key, written by `write` with the key's lock held. */
  private replaceCurrent<T>(bucket: string, key: string, write: () => Promise<WriteOutcome<T>>): Promise<{ value: T; version?: ObjectVersion }> {
    return this.locks.run([lockName(bucket, key)], () => this.replaceCurrentLocked(bucket, key, write));
  }

  /**
   * Keeps the version a write displaces, lets `write` have s3rver store the new bytes, and journals the
   * new version only once s3rver has it; if s3rver may have half-written the key, puts the old bytes back.
   */
  private async replaceCurrentLocked<T>(bucket: string, key: string, write: () => Promise<WriteOutcome<T>>): Promise<{ value: T; version?: ObjectVersion }> {
    const kept = await this.keepCurrent(bucket, key);
    let outcome: WriteOutcome<T>;
    try {
      outcome = await write();
    } catch (error) {
      await kept.restore().catch((restoreError: unknown) => console.error(`s3-strict: could not restore ${bucket}/${key}: ${String(restoreError)}`));
      throw error;
    }
    if (!outcome.stored) {
      await (outcome.restore ? kept.restore() : kept.discard());
      return { value: outcome.value };
    }
    if (!this.options.served.has(bucket)) return { value: outcome.value };
    const version: ObjectVersion = {
      kind: 'object',
      versionId: newVersionId(),
      lastModified: nowToTheSecond(),
      ...outcome.stored,
      sequencer: this.state.nextSequencer(bucket),
    };
    await this.options.journal.commit([...kept.entries, { op: 'add', bucket, key, version }, ...(outcome.alsoJournal ?? [])]);
    return { value: outcome.value, version };
  }

  /**
   * Copies the key's current bytes to the shadow bucket before s3rver overwrites or deletes them, and
   * says how the journal records that: one s3rver round trip, and none when nothing is current.
   */
  private async keepCurrent(bucket: string, key: string): Promise<Kept> {
    if (!this.options.served.has(bucket)) return NOTHING_KEPT;
    const atKey = { bucket, key };
    const nothingLive: Kept = { wasLive: false, entries: [], restore: () => this.deleteAt(atKey), discard: async () => undefined };
    const current = this.state.history(bucket, key)[0];
    if (current?.kind !== 'object') return nothingLive;
    const shadow = { bucket: SHADOW_BUCKET, key: shadowKeyOf(bucket, key, current.versionId) };
    const copied = await this.copyWithin(atKey, shadow);
    if (!copied) {
      this.warnOnce(`${bucket}/${key} version ${current.versionId} is gone from s3rver; forgetting it`);
      return { ...nothingLive, entries: [{ op: 'drop', bucket, key, versionId: current.versionId }] };
    }
    const kept: Kept = {
      wasLive: true,
      entries: [{ op: 'keep', bucket, key, versionId: current.versionId, shadowKey: shadow.key }],
      restore: async () => {
        await this.copyWithin(shadow, atKey);
        await this.deleteAt(shadow);
      },
      discard: () => this.deleteAt(shadow),
    };
    if (copied.md5 === current.md5) return kept;
    // Someone wrote the key behind the proxy's back: those bytes, not the journal's, are what was current.
    this.warnOnce(`${bucket}/${key} was changed outside the proxy: its bytes are kept as version null`);
    const size = (await this.liveBytes(shadow.bucket, shadow.key))?.size ?? 0;
    const outsider = { ...nullVersion({ ...copied, size }), shadowKey: shadow.key };
    return { ...kept, entries: [{ op: 'drop', bucket, key, versionId: current.versionId }, { op: 'add', bucket, key, version: outsider }] };
  }

  /** An object in a bucket the proxy does not serve: S3's null version. */
  private async untrackedLive(bucket: string, key: string): Promise<ObjectVersion | undefined> {
    const stored = await this.liveBytes(bucket, key);
    return stored && nullVersion(stored);
  }

  /**
   * Brings the journal in line with what s3rver holds, at start. The first time the proxy serves a bucket,
   * its objects become null versions, so that no later write need ask s3rver what was there. Later, a
   * difference means a process was killed between s3rver storing a write and the journal recording it:
   * s3rver's bytes are what the write left (on S3 a write either happened or did not), so they become the
   * key's newest version, and the version they displaced is kept if its bytes reached the shadow bucket.
   * A current version whose bytes are gone (a half-written object removed at start) is dropped.
   */
  async reconcile(bucket: string): Promise<void> {
    const first = !this.state.adopted.has(bucket);
    const entries: JournalEntry[] = [];
    const listed = new Set<string>();
    let token: string | undefined;
    do {
      const out = await this.options.s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
      for (const item of out.Contents ?? []) {
        const md5 = Md5Schema.safeParse(unquote(item.ETag));
        if (item.Key === undefined || !md5.success) continue;
        listed.add(item.Key);
        const history = this.state.history(bucket, item.Key);
        const current = history[0];
        if (current?.kind === 'object' && current.md5 === md5.data) continue;
        const bytes = { md5: md5.data, size: item.Size ?? 0, lastModified: new Date(Math.floor((item.LastModified ?? new Date(0)).getTime() / 1000) * 1000).toISOString() };
        if (first && history.length === 0) {
          entries.push({ op: 'add', bucket, key: item.Key, version: nullVersion(bytes) });
          continue;
        }
        this.warnOnce(`${bucket}/${item.Key}: a write s3rver stored but the journal missed (a killed process) is taken as its newest version`);
        if (current?.kind === 'object') {
          const shadowKey = shadowKeyOf(bucket, item.Key, current.versionId);
          const kept = await this.liveBytes(SHADOW_BUCKET, shadowKey);
          entries.push(kept ? { op: 'keep', bucket, key: item.Key, versionId: current.versionId, shadowKey } : { op: 'drop', bucket, key: item.Key, versionId: current.versionId });
        }
        entries.push({ op: 'add', bucket, key: item.Key, version: { ...nullVersion(bytes), versionId: newVersionId(), sequencer: this.state.nextSequencer(bucket) } });
      }
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (token);
    if (!first) {
      for (const key of this.state.keys(bucket, '')) {
        const current = this.state.history(bucket, key)[0];
        if (listed.has(key) || current?.kind !== 'object' || current.shadowKey) continue;
        this.warnOnce(`${bucket}/${key}: the bytes of its current version are gone from s3rver; the version is dropped`);
        entries.push({ op: 'drop', bucket, key, versionId: current.versionId });
      }
    }
    await this.options.journal.commit([...entries, ...(first ? [{ op: 'adopted' as const, bucket }] : [])]);
  }

  private async liveBytes(bucket: string, key: string): Promise<(StoredBytes & { lastModified: string }) | undefined> {
    try {
      const out = await this.options.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      const md5 = unquote(out.ETag);
      return { md5, etag: quote(md5), size: out.ContentLength ?? 0, lastModified: (out.LastModified ?? new Date()).toISOString() };
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  /** A copy inside s3rver: its MD5 and time, or undefined when the source is not there. */
  private async copyWithin(
    from: { bucket: string; key: string },
    to: { bucket: string; key: string },
    metadata: Partial<CopyObjectCommandInput> = {},
  ): Promise<{ md5: string; lastModified: string } | undefined> {
    try {
      // s3rver reads x-amz-copy-source with decodeURI, which encodeURI undoes exactly.
      const out = await this.options.s3.send(new CopyObjectCommand({ ...metadata, Bucket: to.bucket, Key: to.key, CopySource: `${from.bucket}/${encodeURI(from.key)}` }));
      const md5 = Md5Schema.parse(unquote(out.CopyObjectResult?.ETag));
      return { md5, lastModified: (out.CopyObjectResult?.LastModified ?? new Date()).toISOString() };
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  private async deleteAt(where: { bucket: string; key: string }): Promise<void> {
    await this.options.s3.send(new DeleteObjectCommand({ Bucket: where.bucket, Key: where.key }));
  }

  /* ---------------------------------------------------------------- notifications */

  /**
   * Delivers S3's ObjectCreated event to each target whose prefix the key is under, once the client has
   * its response: as on S3, the writer never waits for the event, and a target's failure is its own.
   */
  private announceAfterResponse(x: Exchange, key: string, version: ObjectVersion, eventName: string, signer?: string): void {
    const targets = (this.options.notifications[x.bucket] ?? []).filter((target) => key.startsWith(target.prefix));
    if (targets.length === 0) return;
    const eventTime = new Date().toISOString();
    const accessKeyId = signer ?? /Credential=([^/,\s]+)\//.exec(x.req.headers.authorization ?? '')?.[1] ?? x.query.get('X-Amz-Credential')?.split('/')[0];
    const eventFor = (target: S3NotificationTarget): S3Event => ({
      Records: [
        {
          eventVersion: '2.1',
          eventSource: 'aws:s3',
          awsRegion: this.options.region,
          eventTime,
          eventName,
          userIdentity: { principalId: accessKeyId ? `AWS:${accessKeyId}` : 'anonymous' },
          requestParameters: { sourceIPAddress: (x.req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '') },
          responseElements: { 'x-amz-request-id': x.ids.requestId, 'x-amz-id-2': x.ids.hostId },
          s3: {
            s3SchemaVersion: '1.0',
            configurationId: target.configurationId ?? DEFAULT_CONFIGURATION_ID,
            bucket: { name: x.bucket, ownerIdentity: { principalId: OWNER.id }, arn: `arn:aws:s3:::${x.bucket}` },
            object: { key: encodeS3EventKey(key), size: version.size, eTag: unquote(version.etag), versionId: version.versionId, sequencer: version.sequencer ?? '' },
          },
        },
      ],
    });
    x.res.once('close', () => {
      for (const target of targets) {
        const delivery = (async () => target.deliver(eventFor(target)))().catch((error: unknown) => {
          console.error(`s3-strict: the ${eventName} event for ${x.bucket}/${key} failed in its target: ${error instanceof Error ? error.message : String(error)}`);
        });
        this.deliveries.add(delivery);
        void delivery.finally(() => this.deliveries.delete(delivery));
      }
    });
  }

  /* ---------------------------------------------------------------- transport */

  /** Sends the request on to s3rver, unchanged unless told otherwise; resolves with s3rver's response head. */
  private forward(
    req: IncomingMessage,
    headers: IncomingHttpHeaders = req.headers,
    body?: Buffer | { source: Readable; through?: Transform[] },
  ): Promise<IncomingMessage> {
    if (body === undefined) req.resume();
    return this.send(req.method ?? 'GET', req.url ?? '/', headers, body);
  }

  /** A request to s3rver (the client's, forwarded, or the proxy's own); resolves with s3rver's response head. */
  private send(method: string, path: string, headers: IncomingHttpHeaders, body?: Buffer | { source: Readable; through?: Transform[] }): Promise<IncomingMessage> {
    const outgoingHeaders = endToEndHeaders(headers);
    if (Buffer.isBuffer(body)) outgoingHeaders['content-length'] = body.length;
    return new Promise((resolve, reject) => {
      const outgoing = httpRequest(
        { host: this.options.upstream.hostname, port: this.options.upstream.port, method, path, headers: outgoingHeaders, agent: this.upstreamAgent },
        resolve,
      );
      outgoing.on('error', reject);
      if (body === undefined) {
        outgoing.end();
      } else if (Buffer.isBuffer(body)) {
        outgoing.end(body);
      } else {
        pipeline([body.source, ...(body.through ?? []), outgoing]).catch((error: unknown) => {
          outgoing.destroy(error instanceof Error ? error : new Error(String(error)));
          reject(error);
        });
      }
    });
  }

  private async relayUnchanged(x: Exchange): Promise<void> {
    const hasBody = x.req.method !== 'GET' && x.req.method !== 'HEAD';
    const upstream = await this.forward(x.req, x.req.headers, hasBody ? { source: x.req } : undefined);
    return this.relay(x.res, upstream);
  }

  private async relay(res: ServerResponse, upstream: IncomingMessage, overrides: OutgoingHttpHeaders = {}): Promise<void> {
    res.writeHead(upstream.statusCode ?? 502, { ...endToEndHeaders(upstream.headers), ...overrides });
    await pipeline(upstream, this.servedCounter(), res);
  }

  private sendBuffered(res: ServerResponse, upstream: IncomingMessage, body: Buffer, overrides: OutgoingHttpHeaders = {}): Promise<void> {
    return this.sendBody(res, upstream.statusCode ?? 502, { ...endToEndHeaders(upstream.headers), ...overrides }, body);
  }

  private async sendBody(res: ServerResponse, status: number, headers: OutgoingHttpHeaders, body: Buffer | string): Promise<void> {
    const bytes = typeof body === 'string' ? Buffer.from(body) : body;
    // A HEAD answer keeps the length of the body it does not send; 204 and 304 have none to give.
    const sized = bytes.length > 0 || (headers['content-length'] === undefined && status !== 204 && status !== 304);
    res.writeHead(status, { ...headers, ...(sized ? { 'content-length': bytes.length } : {}) });
    this.stats.bytesServed += bytes.length;
    await new Promise<void>((resolve) => res.end(bytes, resolve));
  }

  private servedCounter(): ByteCounter {
    return new ByteCounter((count) => (this.stats.bytesServed += count));
  }

  private answerFailure(req: IncomingMessage, res: ServerResponse, ids: Exchange['ids'], error: unknown): void {
    if (res.headersSent) {
      // Mostly a client that stopped reading a body it had the headers of (a reader refusing a large
      // object does): nothing left to answer.
      res.destroy();
      return;
    }
    // A client that went away mid-request (its write was put back) is not the proxy's failure.
    const clientGone = req.socket.destroyed;
    if (!(error instanceof S3Failure) && !clientGone) console.error(`s3-strict: ${req.method} ${req.url}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    const failure = error instanceof S3Failure ? error : new S3Failure(500, 'InternalError', 'We encountered an internal error. Please try again.');
    req.resume(); // the rest of an unread body
    const withoutBody = req.method === 'HEAD' || failure.status === 304;
    const details = Object.entries(failure.details)
      .map(([name, value]) => element(name, value))
      .join('');
    const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<Error>${element('Code', failure.code)}${element('Message', failure.message)}${details}${element('RequestId', ids.requestId)}${element('HostId', ids.hostId)}</Error>`;
    void this.sendBody(res, failure.status, { ...(withoutBody ? {} : { 'content-type': 'application/xml' }), ...failure.headers }, withoutBody ? '' : xml);
  }

  private warnOnce(message: string): void {
    if (this.warned.has(message)) return;
    this.warned.add(message);
    console.error(`s3-strict: ${message}`);
  }
}

async function ensureBucket(s3: S3Client, bucket: string): Promise<void> {
  try {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  } catch (error) {
    if (!(error instanceof S3ServiceException && ['BucketAlreadyExists', 'BucketAlreadyOwnedByYou'].includes(error.name))) throw error;
  }
}

export async function startStrictS3(options: StrictS3Options): Promise<StrictS3> {
  const region = options.region ?? 'us-east-1';
  const s3 = new S3Client({
    endpoint: options.upstream,
    region,
    forcePathStyle: true,
    credentials: LOCAL_CREDENTIALS,
    // The proxy's own requests move bytes within s3rver, which ignores checksums.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  await ensureBucket(s3, SHADOW_BUCKET);
  const journal = await Journal.open(options.stateDir);
  const proxy = new StrictS3Proxy({
    upstream: new URL(options.upstream),
    served: new Set(options.buckets),
    region,
    notifications: options.notifications ?? {},
    journal,
    s3,
  });
  for (const bucket of options.buckets) await proxy.reconcile(bucket);
  const server = createServer((req, res) => void proxy.handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('s3-strict: the proxy is not listening on a TCP port');
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    server,
    stats: proxy.stats,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await closed;
      await proxy.drain();
      await journal.close();
      s3.destroy();
    },
  };
}
