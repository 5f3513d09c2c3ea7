/** `npm start` / `nas serve`: the whole service on this machine (API, controller, job pool, embedded DynamoDB). */
import { quietSdkNoticeOnNode20 } from '../aws/node-20-notice.js';
import { readConfig } from '../config.js';
import { DataFolderUnusable } from '../errors.js';
import { startLocalService } from './local-service.js';

quietSdkNoticeOnNode20();
const config = readConfig();
const service = await startLocalService(config).catch((error: unknown) => {
  // The operator's fix is in the message (stop the other service, or restore a backup); a stack adds nothing.
  if (!(error instanceof DataFolderUnusable)) throw error;
  console.error(`error: ${error.message}`);
  process.exit(1);
});
console.log(`serverless-nas listening on ${service.url}`);
console.log(`  data: ${config.dataDir}   benchmarks: ${config.benchmarksDir}   workers: ${config.workers}`);
const { rehearsal } = service;
// The first search runs warm: the controller ran one on a scratch table already (or says why not).
console.log(
  'skipped' in rehearsal
    ? `  controller: no start-up rehearsal (${rehearsal.skipped}): the first search compiles as it goes`
    : `  controller: rehearsed a search of ${rehearsal.trials} benchmark trials in ${rehearsal.seconds.toFixed(1)} s (${rehearsal.status}) on a scratch table`,
);
if (config.datasetsRoot) console.log(`  dir: datasets (shared by every tenant of this service) are read under ${config.datasetsRoot}`);
console.log(`  API key (tenant local, kept in ${config.dataDir}/api-key): ${service.apiKey}`);
console.log(`  try: curl -H 'authorization: Bearer ${service.apiKey}' ${service.url}/v1/catalog   (API document: ${service.url}/openapi.json)`);

// Without its controller the service would answer but never run a search: it ends, and a restart resumes them.
void service.failed.then((error) => {
  console.error('the controller failed, stopping:', error);
  service.close().finally(() => process.exit(1));
});

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) process.exit(1);
    stopping = true;
    console.log('stopping…');
    service.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  });
}
