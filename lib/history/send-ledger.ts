/**
 * A ledger of emails that must go exactly once: bulletins to officials (`DELIVERY#<month>`) and upload
 * reminders to admins (`REMINDER#<month>`), in the history table.
 *
 * An entry is claimed with a conditional write right before SES is called and marked sent with SES's
 * message id after, so a retry, a duplicate event or a re-run finds the claim and sends nothing. A claim
 * that was never marked is *in doubt* (the process died around the SES call): it is never resent
 * automatically, because a second email is worse than a delay an operator can see and resolve.
 */
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { PARTITION_PREFIXES } from '../contract/table.ts';
import type { Period } from '../domain/types.ts';
import { queryAll, writeIf } from './dynamo.ts';

export type LedgerKind = 'delivery' | 'reminder';

export type LedgerState =
  | { status: 'claimed'; claimedAt: string }
  | { status: 'sent'; messageId: string; sentAt: string }
  | { status: 'failed'; reason: string; failedAt: string };

export interface LedgerEntry {
  /** `<email>#<edition or occurrence>`. */
  recipientKey: string;
  state: LedgerState;
  /** What was to be sent (a delivery message's JSON), kept so an operator can send it again. */
  message: string;
}

export interface SendLedger {
  /** Claims (month, recipient key) right before SES is called; false when any entry exists. */
  claim(period: Period, recipientKey: string, now: Date, message: string): Promise<boolean>;
  complete(period: Period, recipientKey: string, messageId: string, now: Date): Promise<void>;
  /** Records a refusal no retry will change (this address or this message): the others go on. */
  fail(period: Period, recipientKey: string, reason: string, now: Date): Promise<void>;
  /** Lets a claim go after a failure that sent nothing, so a retry may claim again. */
  abandon(period: Period, recipientKey: string): Promise<void>;
  state(period: Period, recipientKey: string): Promise<LedgerState | undefined>;
  /** Entries in one state: `claimed` ones are in doubt; `failed` ones an operator may send again. */
  entries(period: Period, status: LedgerState['status']): Promise<LedgerEntry[]>;
  /**
   * Removes an entry in the given state so its message can be sent again: an operator's decision (they
   * checked that an in-doubt email never arrived, or corrected what made SES refuse one). False when the
   * entry is no longer in that state.
   */
  release(period: Period, recipientKey: string, status: 'claimed' | 'failed'): Promise<boolean>;
}

const ledgerItemSchema = z.discriminatedUnion('status', [
  z.object({ sk: z.string(), status: z.literal('claimed'), claimedAt: z.string(), message: z.string().default('') }),
  z.object({ sk: z.string(), status: z.literal('sent'), messageId: z.string(), sentAt: z.string(), message: z.string().default('') }),
  z.object({ sk: z.string(), status: z.literal('failed'), reason: z.string(), failedAt: z.string(), message: z.string().default('') }),
]);

function entryOf(item: Record<string, unknown>): LedgerEntry {
  const parsed = ledgerItemSchema.parse(item);
  const state: LedgerState =
    parsed.status === 'claimed'
      ? { status: 'claimed', claimedAt: parsed.claimedAt }
      : parsed.status === 'sent'
        ? { status: 'sent', messageId: parsed.messageId, sentAt: parsed.sentAt }
        : { status: 'failed', reason: parsed.reason, failedAt: parsed.failedAt };
  return { recipientKey: parsed.sk, state, message: parsed.message };
}

export function dynamoSendLedger(db: DynamoDBDocumentClient, tableName: string, kind: LedgerKind): SendLedger {
  const pk = (period: Period) => `${kind === 'delivery' ? PARTITION_PREFIXES.delivery : PARTITION_PREFIXES.reminder}${period}`;
  const key = (period: Period, recipientKey: string) => ({ pk: pk(period), sk: recipientKey });
  /** Records how a claim ended, with the fields of that state. */
  const settle = async (period: Period, recipientKey: string, status: 'sent' | 'failed', fields: Record<string, string>) => {
    const names = Object.keys(fields);
    await db.send(
      new UpdateCommand({
        TableName: tableName,
        Key: key(period, recipientKey),
        UpdateExpression: `SET #s = :status, ${names.map((name) => `${name} = :${name}`).join(', ')}`,
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':status': status, ...Object.fromEntries(names.map((name) => [`:${name}`, fields[name]])) },
      }),
    );
  };
  return {
    async claim(period, recipientKey, now, message) {
      return writeIf(
        db,
        new PutCommand({
          TableName: tableName,
          Item: { ...key(period, recipientKey), status: 'claimed', claimedAt: now.toISOString(), message },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    },
    complete: (period, recipientKey, messageId, now) => settle(period, recipientKey, 'sent', { messageId, sentAt: now.toISOString() }),
    fail: (period, recipientKey, reason, now) => settle(period, recipientKey, 'failed', { reason, failedAt: now.toISOString() }),
    async abandon(period, recipientKey) {
      // Only a claim is abandoned: an entry recorded as sent or failed stays.
      await writeIf(
        db,
        new DeleteCommand({
          TableName: tableName,
          Key: key(period, recipientKey),
          ConditionExpression: '#s = :claimed',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':claimed': 'claimed' },
        }),
      );
    },
    async state(period, recipientKey) {
      const out = await db.send(new GetCommand({ TableName: tableName, Key: key(period, recipientKey), ConsistentRead: true }));
      return out.Item ? entryOf(out.Item).state : undefined;
    },
    async entries(period, status) {
      const items = await queryAll(db, {
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk',
        FilterExpression: '#s = :status',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':pk': pk(period), ':status': status },
      });
      return items.map(entryOf);
    },
    async release(period, recipientKey, status) {
      return writeIf(
        db,
        new DeleteCommand({
          TableName: tableName,
          Key: key(period, recipientKey),
          ConditionExpression: '#s = :status',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':status': status },
        }),
      );
    },
  };
}
