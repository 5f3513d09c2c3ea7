import type { EvaluatorSpec } from '../search/spec.js';
import type { Store } from '../store/store.js';
import type { DatasetAccess } from '../training/datasets/dataset-access.js';

/** What reads datasets besides the tenant's registered S3 sources: the artifact store, the operator's folder, S3. */
export type DatasetReaders = Omit<DatasetAccess, 'tenantId' | 's3Sources'>;

/**
 * What a search's tenant may read its dataset from: checked when the search is created and again in each
 * of its trial jobs. The tenant's registered S3 sources are read only for an `s3://` dataset.
 */
export async function datasetAccessFor(store: Store, tenantId: string, evaluator: EvaluatorSpec, readers: DatasetReaders): Promise<DatasetAccess> {
  const usesS3 = evaluator.kind === 'train' && evaluator.dataset.startsWith('s3://');
  return {
    tenantId,
    ...readers,
    ...(usesS3 ? { s3Sources: (await store.listDatasetSources(tenantId)).map((source) => source.uri) } : {}),
  };
}
