import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership, type IBucket } from 'aws-cdk-lib/aws-s3';
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { acknowledgeNag } from './nag.js';

/** Where imported benchmark tables live in the bucket (`NAS_TABLES`): the API and the trial jobs read them. */
export const TABLES_PREFIX = 'tables';

/**
 * Lets `grantee` list the keys under `prefixes` (`tables`, `policies`, ...) of the artifacts bucket, and
 * no others: tenants' key names (their ids, their searches') stay out of sight. Besides listing, S3 needs
 * it to answer a read of a missing key with 404 NoSuchKey rather than 403 AccessDenied; where it answers
 * 403 anyway, the artifact store lists the key to tell the two apart (S3ArtifactStore.get).
 */
export function grantListArtifacts(grantee: IGrantable, bucket: IBucket, prefixes: readonly string[]): Grant {
  const conditions = { StringLike: { 's3:prefix': prefixes.map((prefix) => `${prefix}/*`) } };
  return Grant.addToPrincipal({ grantee, actions: ['s3:ListBucket'], resourceArns: [bucket.bucketArn], conditions });
}

export interface ArtifactsProps {
  /**
   * What CloudFormation does with the bucket when it leaves the stack. Checkpoints, weights and exported
   * models are paid-for results, so they outlive the stack unless told otherwise.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Empties the bucket (every version) when it leaves the stack, so that a throwaway stage's `cdk destroy`
   * can delete it: CDK's custom resource for this, a function that runs only then. Only with `DESTROY`.
   * @default false
   */
  readonly autoDeleteObjects?: boolean;
  /**
   * How long an overwritten or deleted object's previous version is kept.
   * @default Duration.days(30)
   */
  readonly noncurrentVersionExpiration?: Duration;
}

/**
 * The artifact store's bucket (checkpoints, trained weights, predictor and policy artifacts, exported
 * models): private, encrypted, versioned, reachable over TLS only.
 */
export class Artifacts extends Construct {
  readonly bucket: IBucket;

  constructor(scope: Construct, id: string, props: ArtifactsProps = {}) {
    super(scope, id);
    const bucket = new Bucket(this, 'Bucket', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      versioned: true,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      autoDeleteObjects: props.autoDeleteObjects ?? false,
      lifecycleRules: [
        // Versioning guards against a bad overwrite; old versions of multi-GB checkpoints should not pile up.
        { noncurrentVersionExpiration: props.noncurrentVersionExpiration ?? Duration.days(30) },
        { abortIncompleteMultipartUploadAfter: Duration.days(7) },
      ],
    });
    acknowledgeNag(
      bucket,
      'AwsSolutions-S1',
      "Only the service's own roles (and, for tenants' objects, the tenant role) read and write this bucket; server access logs would need a second bucket (itself unlogged) " +
        'and cost more than the artifacts. Turn on CloudTrail S3 data events when an audit trail is required.',
    );
    this.bucket = bucket;
  }
}
