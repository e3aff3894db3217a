import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { TABLE_KEYS, TTL_ATTRIBUTE } from '../../lib/contract/table.ts';

/**
 * The history table: region snapshots, run records and leases, the delivery and reminder ledgers
 * (keys in docs/architecture.md, "History in DynamoDB"). Nothing in it can be rebuilt from elsewhere, so
 * it is protected every way.
 */
export class History extends Construct {
  readonly table: Table;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.table = new Table(this, 'Table', {
      partitionKey: { name: TABLE_KEYS.partition, type: AttributeType.STRING },
      sortKey: { name: TABLE_KEYS.sort, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
      // Only signed-out portal sessions expire (lib/history/signed-out.ts): every other item is kept on
      // purpose (snapshots and run records are the history, the delivery ledger is what makes sending
      // exactly-once) and carries no such attribute. dynalite, the local stack, has no TTL: the few
      // sign-out items stay there.
      timeToLiveAttribute: TTL_ATTRIBUTE,
    });
    this.table.addGlobalSecondaryIndex({
      // gsi1: one month's snapshots of every region in one query.
      indexName: TABLE_KEYS.index,
      partitionKey: { name: TABLE_KEYS.indexPartition, type: AttributeType.STRING },
      sortKey: { name: TABLE_KEYS.indexSort, type: AttributeType.STRING },
    });
  }
}
