import { createRoute, z } from '@hono/zod-openapi';
import { NotFound } from '../../errors.js';
import { trialSeed } from '../../jobs/run-trial.js';
import { MODEL_JSON, MODEL_WEIGHTS } from '../../training/model-files.js';
import type { ApiDeps } from '../deps.js';
import { problemResponses } from '../problem.js';
import { jsonContent, newRouter, TrialParamsSchema } from '../router.js';
import { requireSearch } from '../../usecases/require-search.js';

/** The files of an export: the TensorFlow.js model as `tf.loadLayersModel` reads it. */
const MODEL_FILES = [MODEL_JSON, MODEL_WEIGHTS] as const;
/**
 * How long a redirect to the artifact store stays usable. A client follows it at once; S3 checks the
 * expiry when a download starts, so a slow download of a large file still completes.
 */
export const DOWNLOAD_URL_SECONDS = 300;

const ModelExportSchema = z
  .object({
    searchId: z.string(),
    trialNumber: z.int(),
    space: z.string(),
    arch: z.string().openapi({ description: "The architecture in its space's string form" }),
    recipe: z.record(z.string(), z.unknown()).openapi({ description: 'Everything the model was trained with: dataset, options, model settings, schedule, seed' }),
    metrics: z.record(z.string(), z.number()),
    backend: z.string().optional(),
    files: z.array(z.object({ name: z.enum(MODEL_FILES), href: z.string() })).openapi({ description: 'Download each into one folder, then tf.loadLayersModel("file://<folder>/model.json")' }),
  })
  .openapi('ModelExport');
export type ModelExport = z.infer<typeof ModelExportSchema>;

const getModel = createRoute({
  method: 'get',
  path: '/v1/searches/{id}/trials/{number}/model',
  summary: "Export a trained trial's model: architecture, training recipe and the TensorFlow.js model files",
  request: { params: TrialParamsSchema },
  responses: { 200: jsonContent(ModelExportSchema, 'What the export holds and where to download its files'), 404: problemResponses[404] },
});

const getModelFile = createRoute({
  method: 'get',
  path: '/v1/searches/{id}/trials/{number}/model/{file}',
  summary: 'Download one file of an exported model',
  description:
    'Where artifacts live in S3 (the cloud deployment), the answer is a redirect to a presigned URL of the file, usable for ' +
    `${DOWNLOAD_URL_SECONDS} s without credentials: files of any size bypass the API (whose responses are capped on Lambda). ` +
    'HTTP clients follow it by themselves, and drop the Authorization header on the way, as the Fetch standard requires. ' +
    'Elsewhere the API answers with the bytes.',
  request: { params: TrialParamsSchema.extend({ file: z.enum(MODEL_FILES).openapi({ param: { name: 'file', in: 'path' } }) }) },
  responses: {
    200: { description: 'The file', content: { 'application/octet-stream': { schema: z.string().openapi({ format: 'binary' }) } } },
    307: { description: 'The file is at the presigned URL in `Location`', headers: { location: { schema: { type: 'string', format: 'uri' } } } },
    404: problemResponses[404],
  },
});

/** A trial of the caller's search that has a trained model, with the model's artifact prefix. */
async function requireTrainedTrial(deps: ApiDeps, tenantId: string, searchId: string, number: number) {
  const search = await requireSearch(deps, tenantId, searchId);
  const trial = await deps.store.getTrial(tenantId, searchId, number);
  if (!trial) throw new NotFound('trial', `${searchId}/${number}`);
  if (!trial.modelKey || !deps.artifacts) throw new NotFound('model', `${searchId}/${number} (only trained trials that finished have one)`);
  return { search, trial, modelKey: trial.modelKey };
}

export function modelRoutes(deps: ApiDeps) {
  return newRouter()
    .openapi(getModel, async (c) => {
      const { id, number } = c.req.valid('param');
      const { search, trial } = await requireTrainedTrial(deps, c.get('tenantId'), id, number);
      const { spec } = search;
      const evaluator = spec.evaluator.kind === 'train' ? spec.evaluator : undefined;
      const recipe = {
        ...(evaluator ? { dataset: evaluator.dataset, datasetOptions: evaluator.datasetOptions, model: evaluator.model, schedule: evaluator.schedule } : {}),
        seed: trialSeed(spec, number),
      };
      const base = new URL(c.req.url).pathname;
      return c.json(
        {
          searchId: id,
          trialNumber: number,
          space: spec.space,
          arch: trial.arch,
          recipe,
          metrics: { ...trial.metrics },
          ...(trial.backend ? { backend: trial.backend } : {}),
          files: MODEL_FILES.map((name) => ({ name, href: `${base}/${name}` })),
        },
        200,
      );
    })
    .openapi(getModelFile, async (c) => {
      const { id, number, file } = c.req.valid('param');
      const { modelKey } = await requireTrainedTrial(deps, c.get('tenantId'), id, number);
      const artifacts = deps.artifacts!;
      if (artifacts.downloadUrl) {
        // The trial records its model only after both files are written, so the URL points at a file.
        c.header('cache-control', 'no-store');
        return c.redirect(await artifacts.downloadUrl(modelKey + file, DOWNLOAD_URL_SECONDS), 307);
      }
      const bytes = await artifacts.get(modelKey + file);
      if (!bytes) throw new NotFound('model file', `${id}/${number}/${file}`);
      const type = file === MODEL_JSON ? 'application/json' : 'application/octet-stream';
      return c.body(bytes.slice().buffer, 200, { 'content-type': type });
    });
}
