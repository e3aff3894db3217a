/**
 * What the portal's routes work with, built once per process (a Lambda cold start, a bench, a test) from
 * the portal's settings. The routes see only this interface, so a test can build it against the local
 * stack and a route can never reach for a client it was not given.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { JwksCache } from 'aws-jwt-verify/jwk';
import type { PortalSettings } from '../config.ts';
import type { Faults } from '../aws/faults.ts';
import { dynamoClient, s3Client, sqsClient } from '../aws/clients.ts';
import { s3ObjectStore, type ObjectStore } from '../storage/object-store.ts';
import { s3Presigner, type Presigner } from '../storage/presign.ts';
import { dynamoRunLog, dynamoSnapshotStore, type RunLog, type SnapshotStore } from '../history/store.ts';
import { dynamoSendLedger, type SendLedger } from '../history/send-ledger.ts';
import { dynamoSignedOutSessions, type SignedOutSessions } from '../history/signed-out.ts';
import { sqsDeliveryQueue, type DeliveryQueue } from '../delivery/queue.ts';
import { loadRegionIndex, type RegionIndex } from '../domain/regions.ts';
import { readRecipientsFile, type Recipient } from '../inputs/recipients.ts';
import { systemClock } from '../runtime.ts';
import { cognitoTokenExchanger, idTokenVerifier, type IdentityVerifier, type TokenExchanger } from './session.ts';

/**
 * recipients.csv as the portal last read it: `undefined` when the file is missing or invalid (nobody's
 * grants can be trusted then, so nobody gets any).
 */
export type RecipientsLoader = () => Promise<readonly Recipient[] | undefined>;

export interface PortalDeps {
  settings: PortalSettings;
  logger: Logger;
  store: ObjectStore;
  /** Short-lived GET links to bulletins (PORTAL_LINK_SECONDS). */
  presigner: Presigner;
  /** For upload credentials (presigned POST), which sign with the client's credentials. */
  s3: S3Client;
  runs: RunLog;
  snapshots: SnapshotStore;
  /** The delivery ledger (kind 'delivery'): what the operator page shows and resends. */
  deliveries: SendLedger;
  /** Sessions ended by signing out (the ID token cannot be revoked, so the portal keeps the list). */
  signedOut: SignedOutSessions;
  queue: DeliveryQueue;
  /** The region index, read once per process on first use (it is a few hundred KB of reference data). */
  regions: () => Promise<RegionIndex>;
  recipients: RecipientsLoader;
  identity: IdentityVerifier;
  tokens: TokenExchanger;
  now: () => Date;
}

export interface PortalDepsOptions {
  logger: Logger;
  faults?: Faults | undefined;
  /** Where the verifier gets the pool's signing keys; aws-jwt-verify's own (https) cache when absent. */
  jwksCache?: JwksCache | undefined;
  /** How long a read of recipients.csv is trusted (ms): a changed file takes effect within this. */
  recipientsTtlMs?: number;
  now?: () => Date;
}

/** A minute: a grant removed from recipients.csv stops working within it, at one bucket read a minute per instance. */
export const RECIPIENTS_TTL_MS = 60_000;

export function portalDepsFrom(settings: PortalSettings, options: PortalDepsOptions): PortalDeps {
  const { logger, faults, jwksCache } = options;
  const now = options.now ?? systemClock;
  const s3 = s3Client(settings, faults);
  const dynamo = dynamoClient(settings, faults);
  const store = s3ObjectStore(s3, settings.BUCKET_NAME);
  const regions = loadRegionIndex;
  return {
    settings,
    logger,
    store,
    presigner: s3Presigner(s3, settings.BUCKET_NAME),
    s3,
    runs: dynamoRunLog(dynamo, settings.TABLE_NAME),
    snapshots: dynamoSnapshotStore(dynamo, settings.TABLE_NAME),
    deliveries: dynamoSendLedger(dynamo, settings.TABLE_NAME, 'delivery'),
    signedOut: dynamoSignedOutSessions(dynamo, settings.TABLE_NAME),
    queue: sqsDeliveryQueue(sqsClient(settings, faults), settings.DELIVERY_QUEUE_URL),
    regions,
    recipients: cachedRecipients(store, regions, options.recipientsTtlMs ?? RECIPIENTS_TTL_MS, now, logger),
    identity: idTokenVerifier(settings, jwksCache),
    tokens: cognitoTokenExchanger(settings),
    now,
  };
}

/**
 * recipients.csv, read at most once per `ttlMs` per process. The promise is what is cached, so requests
 * arriving together share one read; a failed read is not cached, so the next request tries again.
 */
export function cachedRecipients(store: ObjectStore, regions: () => Promise<RegionIndex>, ttlMs: number, now: () => Date, logger: Logger): RecipientsLoader {
  let cached: { at: number; value: Promise<readonly Recipient[] | undefined> } | undefined;
  return () => {
    const at = now().getTime();
    if (cached && at - cached.at < ttlMs) return cached.value;
    const value = regions()
      .then((index) => readRecipientsFile(store, index))
      .then((file) => {
        if (!file) {
          logger.warn('recipients.csv is missing: nobody can use the portal');
          return undefined;
        }
        if (!file.ok) {
          logger.warn('recipients.csv is invalid: nobody can use the portal', { errors: file.errors.length });
          return undefined;
        }
        return file.recipients;
      });
    const entry = { at, value };
    cached = entry;
    value.catch(() => {
      if (cached === entry) cached = undefined;
    });
    return value;
  };
}
