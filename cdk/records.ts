import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, Table, TableEncryption, type ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { ACTIVE_SEARCHES_INDEX, TABLE_KEYS } from '../src/store/table.js';

export interface RecordsProps {
  /**
   * What CloudFormation does with the table when it leaves the stack. Searches and trials are the
   * service's only copy of paid-for results, so they outlive the stack unless told otherwise.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Whether DynamoDB refuses `DeleteTable`, whoever asks. Turn off together with a `DESTROY` removal
   * policy for throwaway stacks.
   * @default true
   */
  readonly deletionProtection?: boolean;
}

/**
 * The single DynamoDB table of searches, trials and architecture guards. Keys and the `ActiveSearches`
 * index come from `src/store/table.ts`, the same design the store adapter and the embedded dynalite use.
 */
export class Records extends Construct {
  readonly table: ITable;

  constructor(scope: Construct, id: string, props: RecordsProps = {}) {
    super(scope, id);
    const table = new Table(this, 'Table', {
      partitionKey: { name: TABLE_KEYS.partitionKey, type: AttributeType.STRING },
      sortKey: { name: TABLE_KEYS.sortKey, type: AttributeType.STRING },
      // Traffic follows searches being run: bursty, often idle, which on-demand billing prices best.
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: props.deletionProtection ?? true,
      encryption: TableEncryption.AWS_MANAGED,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    table.addGlobalSecondaryIndex({
      indexName: ACTIVE_SEARCHES_INDEX.name,
      partitionKey: { name: ACTIVE_SEARCHES_INDEX.partitionKey, type: AttributeType.STRING },
      sortKey: { name: ACTIVE_SEARCHES_INDEX.sortKey, type: AttributeType.STRING },
      // The sweep reads only the keys of active searches, then re-reads each search consistently.
      projectionType: ProjectionType[ACTIVE_SEARCHES_INDEX.projection],
    });
    this.table = table;
  }
}
