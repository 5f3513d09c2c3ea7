import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

/**
 * The single DynamoDB table's key design, shared by the store adapter, the embedded dynalite and the CDK
 * stack so that all three always agree.
 *
 * | item                | pk            | sk              |
 * | ------------------- | ------------- | --------------- |
 * | search              | TENANT#<t>    | SEARCH#<id>     |
 * | trial               | TENANT#<t>#SEARCH#<id> | TRIAL#<000042> |
 * | architecture guard  | TENANT#<t>#SEARCH#<id> | HASH#<hash>    |
 * | idempotency key     | TENANT#<t>    | IDEMPOTENCY#<k> |
 * | API key             | APIKEY#<hash> | APIKEY          |
 * | tenant's key index  | TENANT#<t>    | APIKEY#<hash>   |
 * | request rate window | TENANT#<t>    | RATE            |
 * | slots (quota, SSE)  | TENANT#<t>    | SLOTS#<pool>    |
 * | dashboard session   | SESSION#<hash> | SESSION        |
 *
 * Every item a tenant owns has a partition key starting with `TENANT#<t>`, so IAM's `dynamodb:LeadingKeys`
 * can confine a tenant's credentials to its own items. A request finds its key by hash (`APIKEY#<hash>`); the index entry under the tenant lets an operator
 * list and revoke a tenant's keys without a scan.
 *
 * The `ActiveSearches` index is sparse: only searches that are not finished carry `activePk`, so the
 * periodic sweep reads exactly the searches it has to tick.
 *
 * Items that only matter for a while (rate windows, sessions) carry `TTL_ATTRIBUTE`, which DynamoDB's time
 * to live deletes after; readers still check their own expiry, since the deletion lags (and dynalite has none).
 */
export const TABLE_KEYS = { partitionKey: 'pk', sortKey: 'sk' } as const;
export const ACTIVE_SEARCHES_INDEX = { name: 'ActiveSearches', partitionKey: 'activePk', sortKey: 'sk', projection: 'KEYS_ONLY' } as const;
export const ACTIVE_PARTITION = 'ACTIVE';
/** Seconds since the epoch after which DynamoDB may delete the item (`TTL` itself is a reserved word). */
export const TTL_ATTRIBUTE = 'deleteAfter';

export function createTableInput(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: TABLE_KEYS.partitionKey, AttributeType: 'S' },
      { AttributeName: TABLE_KEYS.sortKey, AttributeType: 'S' },
      { AttributeName: ACTIVE_SEARCHES_INDEX.partitionKey, AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: TABLE_KEYS.partitionKey, KeyType: 'HASH' },
      { AttributeName: TABLE_KEYS.sortKey, KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: ACTIVE_SEARCHES_INDEX.name,
        KeySchema: [
          { AttributeName: ACTIVE_SEARCHES_INDEX.partitionKey, KeyType: 'HASH' },
          { AttributeName: ACTIVE_SEARCHES_INDEX.sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: ACTIVE_SEARCHES_INDEX.projection },
      },
    ],
  };
}
