import { createRoute, z } from '@hono/zod-openapi';
import { PrefixedArtifactStore } from '../../artifacts/prefixed-artifact-store.js';
import { tenantArtifactPrefix } from '../../artifacts/tenant-prefix.js';
import { Conflict, InvalidRequest, NotFound, Unavailable } from '../../errors.js';
import { UPLOADED_DATASETS_FOLDER } from '../../training/datasets/dataset-access.js';
import { readUserDataset } from '../../training/datasets/read-user-dataset.js';
import { MANIFEST_FILE } from '../../training/datasets/user-dataset-format.js';
import { MAX_DATASET_SOURCES } from '../../store/store.js';
import type { ApiDeps } from '../deps.js';
import { problemResponses } from '../problem.js';
import { jsonContent, newRouter } from '../router.js';

/** A shard or manifest may be this large; in the cloud API Gateway caps a request at 10 MB first. */
export const MAX_UPLOAD_BYTES = 64 * 1024 * 1024;

/** The path of an upload, so that the app can give it `MAX_UPLOAD_BYTES` instead of the small JSON limit. */
export const UPLOAD_PATH = /^\/v1\/datasets\/[^/]+\/files\/[^/]+$/;

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;
const NAME_RULE = 'letters, digits, _ . - (1-100), starting with a letter or digit';

const DatasetNameParamSchema = z.object({
  name: z.string().regex(NAME, NAME_RULE).openapi({ param: { name: 'name', in: 'path' }, example: 'my-digits' }),
});
const DatasetFileParamSchema = DatasetNameParamSchema.extend({
  file: z
    .string()
    .regex(NAME, NAME_RULE)
    .openapi({ param: { name: 'file', in: 'path' }, example: 'train-0000.x.bin', description: `${MANIFEST_FILE} or a shard file it names` }),
});

const S3_URI = /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/([A-Za-z0-9_.\-/]*)$/;
const DatasetSourceSchema = z
  .object({
    uri: z.string().regex(S3_URI, 's3://<bucket>/<prefix>: a bucket name, then a prefix of letters, digits, _ . - /').max(1024),
    createdAt: z.string(),
  })
  .openapi('DatasetSource');
const DatasetSourceInputSchema = z.strictObject({ uri: DatasetSourceSchema.shape.uri });

const UploadedDatasetSchema = z
  .object({
    name: z.string(),
    ref: z.string().openapi({ description: 'What a search names as evaluator.dataset', example: 'artifacts:datasets/my-digits' }),
  })
  .openapi('UploadedDataset');
const DatasetListSchema = z
  .object({
    items: z.array(UploadedDatasetSchema).openapi({ description: 'Datasets uploaded to your artifacts, by name' }),
    sources: z.array(DatasetSourceSchema).openapi({ description: 'S3 prefixes your searches may read datasets from' }),
  })
  .openapi('DatasetList');
export type DatasetList = z.infer<typeof DatasetListSchema>;

const DatasetDescriptionSchema = UploadedDatasetSchema.extend({
  description: z.string(),
  inputShape: z.array(z.int()),
  inputType: z.enum(['float32', 'int32']),
  targetShape: z.array(z.int()),
  classes: z.int(),
  samples: z.object({ train: z.int(), validation: z.int(), test: z.int() }),
}).openapi('DatasetDescription');
export type DatasetDescription = z.infer<typeof DatasetDescriptionSchema>;

const listDatasets = createRoute({
  method: 'get',
  path: '/v1/datasets',
  summary: 'Your uploaded datasets and registered S3 dataset sources',
  responses: { 200: jsonContent(DatasetListSchema, 'Datasets and sources') },
});

const putDatasetFile = createRoute({
  method: 'put',
  path: '/v1/datasets/{name}/files/{file}',
  summary: 'Upload one file of a dataset (the manifest or a shard) into your own artifacts',
  description: `Raw bytes, at most ${MAX_UPLOAD_BYTES} per file. Upload the shards first and ${MANIFEST_FILE} last, then GET /v1/datasets/{name} checks the whole dataset and gives the reference a search names.`,
  request: {
    params: DatasetFileParamSchema,
    body: { required: true, content: { 'application/octet-stream': { schema: z.string().openapi({ format: 'binary' }) } } },
  },
  responses: { 204: { description: 'Stored' }, 400: problemResponses[400], 503: problemResponses[503] },
});

const getDataset = createRoute({
  method: 'get',
  path: '/v1/datasets/{name}',
  summary: 'Check an uploaded dataset (every shard against its manifest) and describe it',
  request: { params: DatasetNameParamSchema },
  responses: { 200: jsonContent(DatasetDescriptionSchema, 'The dataset, valid'), 400: problemResponses[400], 404: problemResponses[404] },
});

const deleteDataset = createRoute({
  method: 'delete',
  path: '/v1/datasets/{name}',
  summary: 'Delete an uploaded dataset (searches that used it keep their results)',
  request: { params: DatasetNameParamSchema },
  responses: { 204: { description: 'Deleted' }, 404: problemResponses[404] },
});

const addSource = createRoute({
  method: 'post',
  path: '/v1/dataset-sources',
  summary: 'Register an S3 prefix your searches may read datasets from (s3:// references under it)',
  description:
    "In the cloud the trial jobs read it with your tenant's credentials: the bucket's policy must allow the service's tenant role for your tenant (docs/datasets.md).",
  request: { body: { required: true, content: { 'application/json': { schema: DatasetSourceInputSchema } } } },
  responses: { 201: jsonContent(DatasetSourceSchema, 'Registered'), 400: problemResponses[400], 409: problemResponses[409] },
});

const deleteSource = createRoute({
  method: 'delete',
  path: '/v1/dataset-sources',
  summary: 'Unregister an S3 dataset source',
  request: { query: z.object({ uri: DatasetSourceSchema.shape.uri }) },
  responses: { 204: { description: 'Unregistered' }, 404: problemResponses[404] },
});

/** A prefix as registered: ending in `/`, so that `s3://b/team` does not also cover `s3://b/teammates`. */
const asPrefix = (uri: string) => (uri.endsWith('/') ? uri : `${uri}/`);

export function datasetRoutes(deps: ApiDeps) {
  /** The tenant's own folder of uploaded datasets; nothing reached through it lies outside. */
  const uploads = (tenantId: string) => {
    if (!deps.artifacts) throw new Unavailable('this service has no artifact store to keep datasets in');
    return new PrefixedArtifactStore(deps.artifacts, tenantArtifactPrefix(tenantId) + UPLOADED_DATASETS_FOLDER);
  };
  const refOf = (name: string) => `artifacts:${UPLOADED_DATASETS_FOLDER}${name}`;

  return newRouter()
    .openapi(listDatasets, async (c) => {
      const tenantId = c.get('tenantId');
      const keys = deps.artifacts ? await uploads(tenantId).list('') : [];
      const names = keys.filter((key) => key.endsWith(`/${MANIFEST_FILE}`)).map((key) => key.slice(0, -MANIFEST_FILE.length - 1));
      const sources = await deps.store.listDatasetSources(tenantId);
      return c.json(
        {
          items: names.filter((name) => NAME.test(name)).map((name) => ({ name, ref: refOf(name) })),
          sources: sources.map(({ uri, createdAt }) => ({ uri, createdAt })),
        },
        200,
      );
    })
    .openapi(putDatasetFile, async (c) => {
      const { name, file } = c.req.valid('param');
      const body = new Uint8Array(await c.req.arrayBuffer());
      await uploads(c.get('tenantId')).put(`${name}/${file}`, body);
      return c.body(null, 204);
    })
    .openapi(getDataset, async (c) => {
      const { name } = c.req.valid('param');
      const ref = refOf(name);
      const dataset = await readUserDataset(uploads(c.get('tenantId')), name, ref).catch((error: unknown) => {
        throw error instanceof Unavailable ? new NotFound('dataset', name) : error;
      });
      const { train, validation, test } = dataset;
      return c.json(
        {
          name,
          ref,
          description: dataset.description,
          inputShape: [...dataset.inputShape],
          inputType: dataset.inputType,
          targetShape: [...dataset.targetShape],
          classes: dataset.classes,
          samples: { train: train.count, validation: validation.count, test: test.count },
        },
        200,
      );
    })
    .openapi(deleteDataset, async (c) => {
      const { name } = c.req.valid('param');
      const folder = uploads(c.get('tenantId'));
      if ((await folder.list(`${name}/`)).length === 0) throw new NotFound('dataset', name);
      await folder.deletePrefix(`${name}/`);
      return c.body(null, 204);
    })
    .openapi(addSource, async (c) => {
      const tenantId = c.get('tenantId');
      const uri = asPrefix(c.req.valid('json').uri);
      const bucket = uri.slice('s3://'.length).split('/')[0]!;
      // The service's own buckets hold every tenant's objects: a tenant reaches its part as artifacts:.
      if ((deps.datasets?.serviceBuckets ?? []).includes(bucket)) {
        throw new InvalidRequest('uri', `s3://${bucket} is the service's own bucket: upload datasets (PUT /v1/datasets/...) and name them artifacts:datasets/<name>`);
      }
      const sources = await deps.store.listDatasetSources(tenantId);
      if (sources.length >= MAX_DATASET_SOURCES && !sources.some((source) => source.uri === uri)) {
        throw new Conflict(`this tenant already has ${MAX_DATASET_SOURCES} dataset sources: delete one first`);
      }
      const record = { tenantId, uri, createdAt: deps.clock().toISOString() };
      await deps.store.putDatasetSource(record);
      return c.json({ uri, createdAt: record.createdAt }, 201);
    })
    .openapi(deleteSource, async (c) => {
      if (!(await deps.store.deleteDatasetSource(c.get('tenantId'), asPrefix(c.req.valid('query').uri)))) {
        throw new NotFound('dataset source', c.req.valid('query').uri);
      }
      return c.body(null, 204);
    });
}
