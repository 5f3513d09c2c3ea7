/** `npm start` / `nas serve`: the whole service on this machine (API, controller, job pool, embedded DynamoDB). */
import { readConfig } from '../config.js';
import { startLocalService } from './local-service.js';

const config = readConfig();
const service = await startLocalService(config);
console.log(`serverless-nas listening on ${service.url}`);
console.log(`  data: ${config.dataDir}   benchmarks: ${config.benchmarksDir}   workers: ${config.workers}`);
console.log(`  API key (tenant local, kept in ${config.dataDir}/api-key): ${service.apiKey}`);
console.log(`  try: curl -H 'authorization: Bearer ${service.apiKey}' ${service.url}/v1/catalog   (API document: ${service.url}/openapi.json)`);

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
