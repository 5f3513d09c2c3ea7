import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';

/** Trials and architecture guards were once kept under `SEARCH#<id>`, before their tenant led their key. */
const LEGACY_PREFIX = 'SEARCH#';

/**
 * Moves the items of a table written before trial keys began with their tenant (`SEARCH#<id>` →
 * `TENANT#<t>#SEARCH#<id>`, src/store/table.ts), so that a data folder from an earlier version keeps its
 * trials. The tenant of a partition is the `tenantId` its trial items carry; each item is written under
 * its new key before the old one is deleted, so a move cut short is finished by the next start. Returns
 * how many items moved (0 for a table that never had legacy items: one Scan with nothing to do).
 */
export async function moveLegacyTrialItems(client: DynamoDBClient, tableName: string): Promise<number> {
  const documents = DynamoDBDocumentClient.from(client);
  const byPartition = new Map<string, Record<string, unknown>[]>();
  let start: Record<string, unknown> | undefined;
  do {
    const page = await documents.send(
      new ScanCommand({ TableName: tableName, FilterExpression: 'begins_with(pk, :legacy)', ExpressionAttributeValues: { ':legacy': LEGACY_PREFIX }, ExclusiveStartKey: start }),
    );
    for (const item of page.Items ?? []) byPartition.set(String(item.pk), [...(byPartition.get(String(item.pk)) ?? []), item]);
    start = page.LastEvaluatedKey;
  } while (start);
  let moved = 0;
  for (const [pk, items] of byPartition) {
    const tenantId = items.find((item) => typeof item.tenantId === 'string')?.tenantId;
    // A partition holding only guards names no tenant: its trials were never written, so nothing refers to it.
    if (typeof tenantId !== 'string') continue;
    for (const item of items) {
      await documents.send(new PutCommand({ TableName: tableName, Item: { ...item, pk: `TENANT#${tenantId}#${pk}` } }));
      await documents.send(new DeleteCommand({ TableName: tableName, Key: { pk: item.pk, sk: item.sk } }));
      moved++;
    }
  }
  return moved;
}
