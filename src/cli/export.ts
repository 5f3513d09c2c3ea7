import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ModelExport } from '../api/routes/models.js';
import type { NasClient } from '../client/index.js';

/**
 * Writes a trial's export into `folder`: the TensorFlow.js model files as the service serves them
 * (`tf.loadLayersModel('file://<folder>/model.json')` loads them), plus `architecture.json` and
 * `recipe.json` so the model can be rebuilt and retrained exactly. In the cloud a file answers with a
 * redirect to a presigned S3 URL; fetch follows it and, the URL being on another origin, leaves the API
 * key behind (the Fetch standard drops `Authorization` on cross-origin redirects).
 */
export async function exportModel(client: NasClient, searchId: string, trialNumber: number, folder: string): Promise<ModelExport> {
  const exported = await client.modelExport(searchId, trialNumber);
  await mkdir(folder, { recursive: true });
  for (const file of exported.files) await writeFile(join(folder, file.name), await client.download(file.href));
  const { files: _files, recipe, ...architecture } = exported;
  await writeFile(join(folder, 'architecture.json'), `${JSON.stringify(architecture, null, 2)}\n`);
  await writeFile(join(folder, 'recipe.json'), `${JSON.stringify(recipe, null, 2)}\n`);
  return exported;
}
