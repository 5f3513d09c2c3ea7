import { execFile } from 'node:child_process';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import type { S3Client } from '@aws-sdk/client-s3';
import { STSClient } from '@aws-sdk/client-sts';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { PLATFORM_PARTITIONS } from '../../cdk/records.js';
import { TENANT_PARTITIONS } from '../../cdk/tenant-role.js';
import type { ArtifactStore } from '../../src/artifacts/artifact-store.js';
import { S3ArtifactStore } from '../../src/artifacts/s3-artifact-store.js';
import { tenantArtifactPrefix } from '../../src/artifacts/tenant-prefix.js';
import { TenantScopedArtifactStore, tenantOfKey } from '../../src/artifacts/tenant-scoped-artifact-store.js';
import { actAsTenant } from '../../src/auth/acting-tenant.js';
import { openSharedData, openTenantData } from '../../src/aws/tenant-isolation.js';
import { tenantCredentials } from '../../src/aws/tenant-credentials.js';
import { JOB_ENTRY } from '../../src/config.js';
import { dynamoClientConfig } from '../../src/store/client-config.js';
import { DynamoDbStore } from '../../src/store/dynamodb-store.js';
import type { Store } from '../../src/store/store.js';
import { TenantScopedStore } from '../../src/store/tenant-scoped-store.js';
import { newSearch, newTrial, TEST_TENANT } from '../helpers/records.js';
import { startTestStore, type TestStore } from '../helpers/store.js';

const ROLE_ARN = 'arn:aws:iam::123456789012:role/ServerlessNas-TenantRole';
const HOUR_MS = 3_600_000;

interface AwsCall {
  /** `AssumeRole` for STS, the `X-Amz-Target` operation (`GetItem`, ...) for DynamoDB. */
  readonly operation: string;
  /** The access key id the request was signed with. */
  readonly signedBy: string;
  readonly params: URLSearchParams;
}

/**
 * One local HTTP server impersonating STS (form-encoded AssumeRole, answered with credentials named after
 * the session's tenant) and DynamoDB (every item read finds nothing), recording who signed each call.
 */
async function startFakeAws(expiresIn = () => HOUR_MS) {
  const calls: AwsCall[] = [];
  const body = (request: IncomingMessage) =>
    new Promise<string>((resolve) => {
      let text = '';
      request.on('data', (chunk) => (text += chunk));
      request.on('end', () => resolve(text));
    });
  const server = createServer(async (request, response) => {
    const text = await body(request);
    const signedBy = /Credential=([^/]+)\//.exec(request.headers.authorization ?? '')?.[1] ?? '';
    const target = request.headers['x-amz-target'];
    if (typeof target === 'string') {
      calls.push({ operation: target.split('.')[1]!, signedBy, params: new URLSearchParams() });
      response.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' }).end('{}');
      return;
    }
    const params = new URLSearchParams(text);
    calls.push({ operation: params.get('Action') ?? '', signedBy, params });
    const tenant = params.get('Tags.member.1.Value');
    const expiration = new Date(Date.now() + expiresIn()).toISOString();
    response.writeHead(200, { 'content-type': 'text/xml' }).end(
      `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><Credentials>` +
        `<AccessKeyId>AKID-${tenant}</AccessKeyId><SecretAccessKey>secret-${tenant}</SecretAccessKey><SessionToken>token-${tenant}</SessionToken>` +
        `<Expiration>${expiration}</Expiration></Credentials><AssumedRoleUser><AssumedRoleId>AROA:${params.get('RoleSessionName')}</AssumedRoleId>` +
        `<Arn>${ROLE_ARN}/${params.get('RoleSessionName')}</Arn></AssumedRoleUser></AssumeRoleResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></AssumeRoleResponse>`,
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    endpoint,
    calls,
    assumed: () => calls.filter((call) => call.operation === 'AssumeRole').map((call) => call.params.get('Tags.member.1.Value')),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

type FakeAws = Awaited<ReturnType<typeof startFakeAws>>;
const stsClient = (aws: FakeAws) => new STSClient({ endpoint: aws.endpoint, region: 'eu-west-1', credentials: { accessKeyId: 'platform', secretAccessKey: 'platform' } });

describe('tenantCredentials: the token vending machine', () => {
  let aws: FakeAws;
  afterEach(() => aws.close());

  it('GIVEN a tenant WHEN its credentials are asked for THEN the tenant role is assumed with a session tagged with the tenant, and its credentials are handed out', async () => {
    aws = await startFakeAws();
    const credentialsOf = tenantCredentials({ roleArn: ROLE_ARN, sts: stsClient(aws) });
    const credentials = await credentialsOf('acme')();
    expect(credentials).toMatchObject({ accessKeyId: 'AKID-acme', secretAccessKey: 'secret-acme', sessionToken: 'token-acme' });
    expect(credentials.expiration.getTime()).toBeGreaterThan(Date.now());
    const [call] = aws.calls;
    expect(Object.fromEntries(call!.params)).toMatchObject({
      Action: 'AssumeRole',
      RoleArn: ROLE_ARN,
      RoleSessionName: 'tenant-acme',
      DurationSeconds: '3600',
      'Tags.member.1.Key': 'tenant',
      'Tags.member.1.Value': 'acme',
      'TransitiveTagKeys.member.1': 'tenant',
    });
    // With the process's own credentials: only they may assume the role.
    expect(call!.signedBy).toBe('platform');
  });

  it('GIVEN credentials of two tenants asked for many times, some at once, THEN each tenant is assumed once and keeps its own', async () => {
    aws = await startFakeAws();
    const credentialsOf = tenantCredentials({ roleArn: ROLE_ARN, sts: stsClient(aws) });
    const [a1, a2, b1] = await Promise.all([credentialsOf('acme')(), credentialsOf('acme')(), credentialsOf('beta')()]);
    const a3 = await credentialsOf('acme')();
    expect([a1, a2, a3].map((c) => c.accessKeyId)).toEqual(['AKID-acme', 'AKID-acme', 'AKID-acme']);
    expect(b1.accessKeyId).toBe('AKID-beta');
    expect(aws.assumed().sort()).toEqual(['acme', 'beta']);
  });

  it('GIVEN credentials near their expiry THEN the next ask assumes the role again', async () => {
    aws = await startFakeAws();
    let now = Date.now();
    const credentialsOf = tenantCredentials({ roleArn: ROLE_ARN, sts: stsClient(aws), clock: () => new Date(now) });
    await credentialsOf('acme')();
    now += 45 * 60_000;
    await credentialsOf('acme')();
    expect(aws.assumed()).toEqual(['acme']);
    now += 10 * 60_000;
    await credentialsOf('acme')();
    expect(aws.assumed()).toEqual(['acme', 'acme']);
  });

  it('GIVEN more tenants than it keeps THEN the least recently used is forgotten and assumed again when asked', async () => {
    aws = await startFakeAws();
    const credentialsOf = tenantCredentials({ roleArn: ROLE_ARN, sts: stsClient(aws), maxTenants: 2 });
    for (const tenant of ['acme', 'beta', 'acme', 'gamma', 'acme', 'beta']) await credentialsOf(tenant)();
    expect(aws.assumed()).toEqual(['acme', 'beta', 'gamma', 'beta']);
  });

  it('GIVEN something that is not a tenant id THEN no credentials are minted', async () => {
    aws = await startFakeAws();
    const credentialsOf = tenantCredentials({ roleArn: ROLE_ARN, sts: stsClient(aws) });
    for (const notTenant of ['', '*', 'a*', 'a/b', '../a', '.a', 'a#b', 'x'.repeat(65), 'acme ']) {
      expect(() => credentialsOf(notTenant), notTenant).toThrow(/not a tenant id/);
    }
    expect(aws.calls).toEqual([]);
  });
});

/** Optional methods a recording store has only where given. */
const OPTIONAL_METHODS = new Set<string | symbol>(['downloadUrl', 'then']);

/** A Store or ArtifactStore whose every method records `<who> <method>` and answers undefined. */
function recording<T extends object>(who: string, calls: string[], given: Partial<T> = {}): T {
  return new Proxy(given as T, {
    get: (target, method) => {
      if (method in target) return target[method as keyof T];
      return OPTIONAL_METHODS.has(method) ? undefined : async () => void calls.push(`${who} ${String(method)}`);
    },
  });
}

describe('TenantScopedStore', () => {
  const search = newSearch('01SEARCH', undefined, 'acme');
  const trial = { ...newTrial('01SEARCH', 1), tenantId: 'acme' };
  const page = { limit: 10 };
  /** Every Store method (the type makes the list complete), its arguments, and whose store must get it. */
  const cases: Record<keyof Store, { args: unknown[]; to: 'acme' | 'platform' }> = {
    createSearch: { args: [search], to: 'acme' },
    getSearch: { args: ['acme', '01SEARCH'], to: 'acme' },
    listSearches: { args: ['acme', page], to: 'acme' },
    saveSearch: { args: [search], to: 'acme' },
    recordProgress: { args: ['acme', '01SEARCH', new Date(0).toISOString()], to: 'acme' },
    listActiveSearches: { args: [], to: 'platform' },
    claimIdempotencyKey: { args: ['acme', 'key', { searchId: '01SEARCH', requestHash: 'h' }], to: 'acme' },
    putApiKey: { args: [{ keyHash: 'h', tenantId: 'acme', name: 'n', createdAt: '' }], to: 'platform' },
    getApiKey: { args: ['h'], to: 'platform' },
    listApiKeys: { args: ['acme'], to: 'acme' },
    deleteApiKey: { args: ['acme', 'h'], to: 'acme' },
    claimArchitecture: { args: ['acme', '01SEARCH', 'hash', 1], to: 'acme' },
    createTrial: { args: [trial], to: 'acme' },
    getTrial: { args: ['acme', '01SEARCH', 1], to: 'acme' },
    listTrials: { args: ['acme', '01SEARCH', page], to: 'acme' },
    allTrials: { args: ['acme', '01SEARCH'], to: 'acme' },
    getTrials: { args: ['acme', '01SEARCH', [1, 2]], to: 'acme' },
    trialsAfter: { args: ['acme', '01SEARCH', 4], to: 'acme' },
    putTrials: { args: [[trial]], to: 'acme' },
    updateTrial: { args: ['acme', '01SEARCH', 1, { status: 'RUNNING' }], to: 'acme' },
    countRequest: { args: ['acme', new Date(0), 60_000], to: 'acme' },
    takeSlot: { args: ['acme', 'searches', '01SEARCH', 0, 20], to: 'acme' },
    slotHolders: { args: ['acme', 'searches'], to: 'acme' },
    releaseSlot: { args: ['acme', 'searches', '01SEARCH'], to: 'acme' },
    putSession: { args: [{ sessionHash: 's', tenantId: 'acme', keyHash: 'h', createdAt: '', expiresAt: '' }], to: 'platform' },
    getSession: { args: ['s'], to: 'platform' },
    deleteSession: { args: ['s'], to: 'platform' },
    putDatasetSource: { args: [{ tenantId: 'acme', uri: 's3://data/acme/', createdAt: '' }], to: 'acme' },
    listDatasetSources: { args: ['acme'], to: 'acme' },
    deleteDatasetSource: { args: ['acme', 's3://data/acme/'], to: 'acme' },
  };

  it('THEN it implements exactly the methods listed here', () => {
    const methods = Object.getOwnPropertyNames(TenantScopedStore.prototype).filter((name) => name !== 'constructor');
    expect(methods.sort()).toEqual(Object.keys(cases).sort());
  });

  it.each(Object.entries(cases))("WHEN %s is called THEN only the named tenant's store (or the platform's) gets it", async (method, { args, to }) => {
    const calls: string[] = [];
    const opened: string[] = [];
    const store = new TenantScopedStore(recording<Store>('platform', calls), (tenantId) => {
      opened.push(tenantId);
      return recording<Store>(tenantId, calls);
    });
    await (store[method as keyof Store] as (...a: unknown[]) => Promise<unknown>)(...args);
    expect(calls).toEqual([`${to} ${method}`]);
    expect(opened).toEqual(to === 'platform' ? [] : ['acme']);
  });

  it('GIVEN a tenant no credentials can be minted for THEN the call rejects, like any failure of the store', async () => {
    const store = new TenantScopedStore(recording<Store>('platform', []), (tenantId) => {
      throw new Error(`not a tenant id: ${tenantId}`);
    });
    await expect(store.getSearch('a/b', '01S')).rejects.toThrow('not a tenant id');
  });
});

/** IAM's StringLike: `*` is any run of characters, `?` any one; policy variables already substituted. */
const stringLike = (pattern: string, value: string) =>
  new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`).test(value);
const leadingKeyAllowed = (tenantId: string, pk: string) =>
  TENANT_PARTITIONS.map((pattern) => pattern.replace('${aws:PrincipalTag/tenant}', tenantId)).some((pattern) => stringLike(pattern, pk));

describe("the record store's keys against the tenant role's dynamodb:LeadingKeys condition", () => {
  let db: TestStore;
  beforeAll(async () => {
    db = await startTestStore();
  });
  afterAll(() => db.close());
  const partitionKeys = async () => {
    const documents = DynamoDBDocumentClient.from(new DynamoDBClient(dynamoClientConfig({ NAS_DYNAMODB_ENDPOINT: db.dynamo.endpoint })));
    const { Items = [] } = await documents.send(new ScanCommand({ TableName: 'nas', ProjectionExpression: 'pk' }));
    return new Set(Items.map((item) => String(item.pk)));
  };

  it("GIVEN a search run through a tenant's calls THEN every item written lies in a partition that tenant's credentials may reach, and no other tenant's", async () => {
    const { store } = db;
    const search = newSearch('01TENANTSEARCH');
    await store.createSearch(search);
    await store.claimIdempotencyKey(TEST_TENANT, 'idem', { searchId: search.id, requestHash: 'h' });
    await store.claimArchitecture(TEST_TENANT, search.id, 'hash-1', 1);
    await store.createTrial(newTrial(search.id, 1));
    await store.updateTrial(TEST_TENANT, search.id, 1, { status: 'RUNNING' });
    await store.recordProgress(TEST_TENANT, search.id, new Date(0).toISOString());
    await store.countRequest(TEST_TENANT, new Date(), 60_000);
    await store.takeSlot(TEST_TENANT, 'searches', search.id, Date.now(), 20);
    await store.putDatasetSource({ tenantId: TEST_TENANT, uri: 's3://data/a/', createdAt: new Date(0).toISOString() });
    const keys = [...(await partitionKeys())];
    expect(keys.length).toBeGreaterThanOrEqual(2);
    for (const pk of keys) {
      expect(leadingKeyAllowed(TEST_TENANT, pk), pk).toBe(true);
      // A tenant whose id starts like this one's reaches none of it.
      expect(leadingKeyAllowed(`${TEST_TENANT}x`, pk), pk).toBe(false);
      expect(leadingKeyAllowed('tenant', pk), pk).toBe(false);
    }
  });

  it('GIVEN the platform calls THEN their items lie in the platform partitions the functions may reach, which no tenant may', async () => {
    const before = await partitionKeys();
    await db.store.putSession({ sessionHash: 'abc', tenantId: TEST_TENANT, keyHash: 'k', createdAt: new Date().toISOString(), expiresAt: new Date(Date.now() + HOUR_MS).toISOString() });
    const added = [...(await partitionKeys())].filter((pk) => !before.has(pk));
    expect(added).toEqual([`${PLATFORM_PARTITIONS.sessions}abc`]);
    expect(leadingKeyAllowed(TEST_TENANT, added[0]!)).toBe(false);
  });
});

describe('TenantScopedArtifactStore', () => {
  const presigning = (who: string) => ({ downloadUrl: async (key: string) => `https://${who}/${key}` });
  const open = (platform: Partial<ArtifactStore> = presigning('platform')) => {
    const calls: string[] = [];
    const opened: string[] = [];
    const store = new TenantScopedArtifactStore(recording<ArtifactStore>('platform', calls, platform), (tenantId) => {
      opened.push(tenantId);
      return recording<ArtifactStore>(tenantId, calls, presigning(tenantId));
    });
    return { store, calls, opened };
  };

  it("GIVEN keys under tenants' folders and platform keys THEN each goes to its tenant's store or the platform's", async () => {
    const { store, calls, opened } = open();
    await store.put('tenants/acme/searches/01S/trials/1/model/model.json', '{}');
    await store.get('tenants/beta/predictors/nb201/c10.json');
    await store.list('tenants/acme/predictor-records/');
    await store.deletePrefix('tenants/acme/datasets/digits/');
    await store.get('policies/nb201/c10/manifest.json');
    await store.list('tables/');
    expect(calls).toEqual(['acme put', 'beta get', 'acme list', 'acme deletePrefix', 'platform get', 'platform list']);
    expect(await store.downloadUrl!('tenants/acme/searches/01S/trials/1/model/weights.bin', 300)).toBe('https://acme/tenants/acme/searches/01S/trials/1/model/weights.bin');
    expect(await store.downloadUrl!('policies/x', 300)).toBe('https://platform/policies/x');
    expect(new Set(opened)).toEqual(new Set(['acme', 'beta']));
  });

  it('GIVEN a key that leaves a folder, or names no single tenant, THEN it is refused and no store is touched', async () => {
    const { store, calls, opened } = open();
    for (const key of ['tenants/../x', 'tenants/a/../b/', 'tenants/a/./b', 'policies/../tenants/b/x', 'tenants/', 'tenants/a', 'tenants//x', 'tenants/*/x', 'tenants/.a/x']) {
      await expect(store.get(key), key).rejects.toThrow(/refusing/);
      await expect(store.list(key), key).rejects.toThrow(/refusing/);
    }
    expect(calls).toEqual([]);
    expect(opened).toEqual([]);
  });

  it("THEN a key of the tenant's folder as the artifacts name it belongs to that tenant", () => {
    expect(tenantOfKey(`${tenantArtifactPrefix('acme')}searches/01S/`)).toBe('acme');
    expect(tenantOfKey('training/nb201/c10/run.json')).toBeUndefined();
  });

  it('GIVEN stores that cannot presign THEN neither can it', () => {
    expect(open({}).store.downloadUrl).toBeUndefined();
  });
});

describe('S3ArtifactStore with credentials that may list some prefixes only', () => {
  const accessDenied = () => Object.assign(new Error('Access Denied'), { name: 'AccessDenied' });
  /** S3 refusing every GetObject (as it does for a missing key to such credentials), listing as told. */
  const s3 = (listing: () => Promise<{ Contents?: { Key: string }[] }>) =>
    new S3ArtifactStore({
      bucket: 'artifacts',
      client: {
        send: async (command: object) => {
          if (command.constructor.name === 'GetObjectCommand') throw accessDenied();
          return listing();
        },
      } as unknown as S3Client,
    });

  it("GIVEN a 403 for a key the listing does not show THEN the key reads as missing, the store's contract", async () => {
    await expect(s3(async () => ({ Contents: [{ Key: 'tenants/acme/x.json.bak' }] })).get('tenants/acme/x.json')).resolves.toBeUndefined();
    await expect(s3(async () => ({})).get('tenants/acme/x.json')).resolves.toBeUndefined();
  });

  it('GIVEN a 403 for a key the listing shows, or a listing refused too, THEN the refusal stands', async () => {
    await expect(s3(async () => ({ Contents: [{ Key: 'tenants/acme/x.json' }] })).get('tenants/acme/x.json')).rejects.toThrow('Access Denied');
    await expect(
      s3(async () => {
        throw accessDenied();
      }).get('tenants/beta/x.json'),
    ).rejects.toThrow('Access Denied');
  });
});

describe('openSharedData and openTenantData: where NAS_TENANT_ROLE_ARN is set', () => {
  let aws: FakeAws;
  beforeAll(async () => {
    aws = await startFakeAws();
  });
  afterAll(() => aws.close());
  afterEach(() => {
    vi.unstubAllEnvs();
    aws.calls.length = 0;
  });
  const locations = { tableName: 'nas', artifacts: 's3://artifacts' };
  /** The functions' environment: the process's own credentials, STS and DynamoDB both the fake. */
  const cloudEnv = () => {
    for (const [name, value] of Object.entries({ AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'platform', AWS_SECRET_ACCESS_KEY: 'platform', AWS_ENDPOINT_URL_STS: aws.endpoint })) {
      vi.stubEnv(name, value);
    }
    return { NAS_TENANT_ROLE_ARN: ROLE_ARN, NAS_DYNAMODB_ENDPOINT: aws.endpoint, AWS_REGION: 'eu-west-1' };
  };

  it('GIVEN no tenant role (the local service) THEN the plain stores are used, with the process credentials', () => {
    const shared = openSharedData(locations, { NAS_DYNAMODB_ENDPOINT: aws.endpoint });
    expect(shared.store).toBeInstanceOf(DynamoDbStore);
    expect(shared.artifacts).toBeInstanceOf(S3ArtifactStore);
    expect(openSharedData({ tableName: 'nas', artifacts: '/tmp/nas-artifacts' }, {}).artifacts).not.toBeInstanceOf(TenantScopedArtifactStore);
  });

  it("GIVEN the tenant role WHEN a function reads a tenant's search and an API key THEN the search is read with that tenant's credentials and the key with the function's own", async () => {
    const { store } = openSharedData(locations, cloudEnv());
    expect(store).toBeInstanceOf(TenantScopedStore);
    expect(await store.getSearch('acme', '01S')).toBeUndefined();
    expect(await store.getApiKey('hash')).toBeUndefined();
    expect(await store.getSearch('acme', '01T')).toBeUndefined();
    expect(aws.calls.map((call) => `${call.operation} ${call.signedBy}`)).toEqual(['AssumeRole platform', 'GetItem AKID-acme', 'GetItem local', 'GetItem AKID-acme']);
  });

  it("GIVEN the tenant role WHEN work for one tenant (a request, a tick) names another tenant's records or objects THEN no credentials are minted for it and the call rejects", async () => {
    const { store, artifacts } = openSharedData(locations, cloudEnv());
    await actAsTenant('acme', async () => {
      await expect(store.getSearch('beta', '01S')).rejects.toThrow(/tenant beta's credentials in work for tenant acme/);
      await expect(artifacts!.get('tenants/beta/datasets/private/manifest.json')).rejects.toThrow(/tenant beta/);
      expect(await store.getSearch('acme', '01S')).toBeUndefined();
      expect(await store.getApiKey('hash')).toBeUndefined();
    });
    expect(aws.calls.map((call) => `${call.operation} ${call.signedBy}`)).toEqual(['AssumeRole platform', 'GetItem AKID-acme', 'GetItem local']);
  });

  it("GIVEN the tenant role THEN a tenant's download URL is signed with the tenant's session, a platform one with the function's credentials", async () => {
    const { artifacts } = openSharedData(locations, cloudEnv());
    const tenantUrl = new URL(await artifacts!.downloadUrl!('tenants/acme/searches/01S/trials/1/model/weights.bin', 300));
    expect(tenantUrl.searchParams.get('X-Amz-Credential')).toMatch(/^AKID-acme\//);
    expect(tenantUrl.searchParams.get('X-Amz-Security-Token')).toBe('token-acme');
    const platformUrl = new URL(await artifacts!.downloadUrl!('policies/nb201/c10/weights.json', 300));
    expect(platformUrl.searchParams.get('X-Amz-Credential')).toMatch(/^platform\//);
  });

  it("GIVEN the tenant role WHEN a trial job opens its tenant's data THEN every record and object it reaches goes with that tenant's credentials", async () => {
    const { store, artifacts, openS3Bucket } = openTenantData(locations, 'acme', cloudEnv());
    expect(await store.getTrial('acme', '01S', 1)).toBeUndefined();
    // Another tenant's trial, named by a bug, is asked with acme's credentials: IAM refuses it.
    expect(await store.getTrial('beta', '01S', 1)).toBeUndefined();
    expect(aws.calls.map((call) => `${call.operation} ${call.signedBy}`)).toEqual(['AssumeRole platform', 'GetItem AKID-acme', 'GetItem AKID-acme']);
    for (const url of [await artifacts!.downloadUrl!('tables/mine/rows.csv', 60), await openS3Bucket('datasets-bucket').downloadUrl!('digits/manifest.json', 60)]) {
      expect(new URL(url).searchParams.get('X-Amz-Credential')).toMatch(/^AKID-acme\//);
    }
  });

  it("GIVEN a Batch container's trial job (NAS_JOB) and the tenant role WHEN batch/job.ts runs it THEN it reads its records as its tenant only", async () => {
    const env = {
      PATH: process.env.PATH,
      AWS_ACCESS_KEY_ID: 'platform',
      AWS_SECRET_ACCESS_KEY: 'platform',
      AWS_ENDPOINT_URL_STS: aws.endpoint,
      NAS_ARTIFACTS: 's3://artifacts',
      NAS_JOB: JSON.stringify({ tenantId: 'acme', searchId: '01S', trialNumber: 1, attempt: 1 }),
      ...cloudEnv(),
    };
    // The search is not found (the fake knows no items): the job ends without touching anything else.
    await promisify(execFile)(process.execPath, ['--import', 'tsx', JOB_ENTRY], { env, timeout: 30_000 });
    expect(aws.assumed()).toEqual(['acme']);
    const records = aws.calls.filter((call) => call.operation !== 'AssumeRole');
    expect(records.length).toBeGreaterThan(0);
    for (const call of records) expect(`${call.operation} ${call.signedBy}`).toBe(`${call.operation} AKID-acme`);
  });
});
