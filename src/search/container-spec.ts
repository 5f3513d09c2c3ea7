import { z } from '@hono/zod-openapi';

/**
 * The `container` evaluator: the user's own training code, packaged as an image (SageMaker AMT's "your
 * training image + metric regexes"). Each trial runs `command` with the architecture in its environment;
 * the metrics are read from its standard output by `metricDefinitions` (docs/training.md, "Your own
 * container"). Kept apart from spec.ts, as the `train` recipe is, so its rules stay in one place.
 */

/** Longest trial a container may run when the spec names no `timeoutSeconds`: what the GPU training jobs get. */
export const DEFAULT_CONTAINER_TIMEOUT_SECONDS = 4 * 3600;
export const MAX_CONTAINER_TIMEOUT_SECONDS = 24 * 3600;

/**
 * An image in Amazon ECR, by tag or digest (`<account>.dkr.ecr.<region>.amazonaws.com/<repository>:<tag>`):
 * the registry the Batch jobs are allowed to pull from (docs/deployment.md).
 */
const ECR_IMAGE = /^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(\.cn)?\/[a-z0-9][a-z0-9._\/-]{0,255}(:[\w][\w.-]{0,127}|@sha256:[a-f0-9]{64})$/;

/** The registry account, region and repository of an image `ECR_IMAGE` accepts; undefined for any other string. */
export function ecrImageRepository(image: string): { account: string; region: string; repository: string } | undefined {
  if (!ECR_IMAGE.test(image)) return undefined;
  const [, account, region, repository] = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/([^:@]+)/.exec(image)!;
  return { account: account!, region: region!, repository: repository! };
}

/**
 * The repositories of the service's own ECR a tenant's images may be in: `tenants/<tenant id>/...`, the only
 * ones of that account its execution role may pull (cdk/container-jobs.ts). Any other repository of that
 * account is another tenant's or the service's. Undefined for a tenant id that is no repository name part
 * (ECR's are lower case, separators between letters or digits): that tenant's images are in its own account.
 */
export function tenantRepositoryPrefix(tenantId: string): string | undefined {
  return /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/.test(tenantId) ? `tenants/${tenantId}/` : undefined;
}

/**
 * What one container asks of its host. A GPU container runs on the GPU queue's T4 instances (one GPU, at
 * most 8 vCPUs and the ~30 GiB a g4dn.2xlarge offers its jobs); a CPU one on Fargate, up to 16 vCPUs and 120 GiB.
 */
export const ContainerResourcesSchema = z
  .strictObject({
    gpu: z.int().min(0).max(1).default(0),
    vcpus: z.number().positive().max(16).default(1),
    memoryMiB: z.int().min(512).max(122_880).default(2048),
  })
  .openapi({ description: 'gpu 1: a T4 instance of the GPU queue (at most 8 vcpus, 30000 MiB); gpu 0: a Fargate task of this size' })
  .refine((r) => r.gpu === 0 || (r.vcpus <= 8 && r.memoryMiB <= 30_000), {
    message: 'a GPU container runs on a g4dn instance: at most 8 vcpus and 30000 memoryMiB',
  })
  .openapi('ContainerResources');

export const MetricDefinitionSchema = z
  .strictObject({
    name: z.string().min(1).max(100).openapi({ description: 'The metric, as objectives and evaluator.metric name it' }),
    regex: z
      .string()
      .min(1)
      .max(500)
      .openapi({
        description:
          'A JavaScript regular expression tried on every line of standard output; its first capture group is the value. ' +
          "Each match is an observation: the last is the trial's result, the n-th is step n of the learning curve.",
        example: 'val_acc=([0-9.]+)',
      }),
  })
  .openapi('MetricDefinition');

export const ContainerEvaluatorSchema = z
  .strictObject({
    kind: z.literal('container').openapi({ description: 'Your own training code: each trial runs `command` with the architecture in NAS_ARCH (docs/training.md, "Your own container")' }),
    image: z
      .string()
      .max(600)
      .regex(ECR_IMAGE, 'an Amazon ECR image: <account>.dkr.ecr.<region>.amazonaws.com/<repository>:<tag> or @sha256:<digest>')
      .openapi({ description: 'The training image in Amazon ECR, by tag or digest. The local service runs `command` on its own host instead (NAS_CONTAINER_COMMANDS=local)' }),
    command: z
      .array(z.string().min(1).max(4096))
      .min(1)
      .max(100)
      .openapi({ description: "The trial's command as an argument list (no shell): it reads NAS_ARCH (or NAS_ARCH_FILE) and prints its metrics", example: ['python', 'train.py'] }),
    resources: ContainerResourcesSchema.prefault({}).openapi({ description: 'What one trial needs; the estimate and the hard cap on maxCostUsd price it (GPU: a T4 instance, else Fargate)' }),
    metricDefinitions: z.array(MetricDefinitionSchema).min(1).max(20).openapi({ description: 'How each metric is read from standard output (SageMaker AMT style); objectives name metrics from here' }),
    metric: z.string().min(1).max(100).optional().openapi({ description: "The metric the search selects on and early stopping judges; defaults to the first objective's metric" }),
    timeoutSeconds: z
      .int()
      .min(60)
      .max(MAX_CONTAINER_TIMEOUT_SECONDS)
      .optional()
      .openapi({ description: `A trial still running after this many seconds is stopped and fails (default ${DEFAULT_CONTAINER_TIMEOUT_SECONDS})` }),
  })
  .superRefine((evaluator, context) => {
    const names = new Set<string>();
    evaluator.metricDefinitions.forEach((definition, i) => {
      if (names.has(definition.name)) context.addIssue({ code: 'custom', path: ['metricDefinitions', i, 'name'], message: 'each metric at most once' });
      names.add(definition.name);
      const problem = regexProblem(definition.regex);
      if (problem) context.addIssue({ code: 'custom', path: ['metricDefinitions', i, 'regex'], message: problem });
    });
  });

/** Why `source` cannot read a metric: not a regular expression, or none of its groups captures the value. */
function regexProblem(source: string): string | undefined {
  let regex: RegExp;
  try {
    regex = new RegExp(source);
  } catch (error) {
    return `not a valid regular expression: ${(error as Error).message}`;
  }
  // The groups of a regex are the array length of a match of `regex|` against '' (it always matches), less one.
  const groups = new RegExp(`${regex.source}|`).exec('')!.length - 1;
  return groups === 0 ? 'needs a capture group around the value, e.g. val_acc=([0-9.]+)' : undefined;
}

export type ContainerEvaluatorSpec = z.output<typeof ContainerEvaluatorSchema>;
export type MetricDefinition = z.output<typeof MetricDefinitionSchema>;
