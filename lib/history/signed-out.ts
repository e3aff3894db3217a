/**
 * Sessions ended by signing out. The portal's session is the ID token itself, which Cognito cannot
 * revoke and which would verify until it expires (an hour); so a sign-out is recorded here, under a hash
 * of the token, and the portal refuses a recorded token on every request. Each item carries `ttl`
 * (the token's expiry, seconds since the epoch): DynamoDB's TTL removes it once the token could not
 * verify anyway. dynalite keeps them; they are a few bytes each.
 */
import { createHash } from 'node:crypto';
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { PARTITION_PREFIXES, TABLE_KEYS, TTL_ATTRIBUTE } from '../contract/table.ts';

export interface SignedOutSessions {
  /** Records that this session token was signed out; it stays refused until `expiresAt` (seconds since the epoch). */
  record(token: string, expiresAt: number): Promise<void>;
  isSignedOut(token: string): Promise<boolean>;
}

const keyOf = (token: string) => ({
  [TABLE_KEYS.partition]: `${PARTITION_PREFIXES.signedOut}${createHash('sha256').update(token).digest('base64url')}`,
  [TABLE_KEYS.sort]: 'SESSION',
});

export function dynamoSignedOutSessions(db: DynamoDBDocumentClient, tableName: string): SignedOutSessions {
  return {
    async record(token, expiresAt) {
      await db.send(new PutCommand({ TableName: tableName, Item: { ...keyOf(token), [TTL_ATTRIBUTE]: Math.ceil(expiresAt) } }));
    },
    async isSignedOut(token) {
      // Consistent: a sign-out must hold for the very next request, on any instance.
      const out = await db.send(new GetCommand({ TableName: tableName, Key: keyOf(token), ConsistentRead: true, ProjectionExpression: TABLE_KEYS.partition }));
      return out.Item !== undefined;
    },
  };
}
