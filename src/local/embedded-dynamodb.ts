import { createRequire } from 'node:module';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceNotFoundException,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { answerInProcess, dynamoClientConfig } from '../store/client-config.js';
import { MessagePortRequestHandler } from '../store/message-port-handler.js';
import { moveLegacyTrialItems } from '../store/legacy-trial-keys.js';
import { createTableInput } from '../store/table.js';
import { claimDataFolder } from './data-folder.js';

export interface EmbeddedDynamoDb {
  /** `http://127.0.0.1:<port>`: give it to the SDK as `endpoint` (see `dynamoClientConfig`). */
  readonly endpoint: string;
  /**
   * A new message port to dynalite's request handler, for a thread of this process (the controller's):
   * hand it to `answerInProcess` there, in a `MessagePortRequestHandler`.
   */
  openPort(options?: { readonly maxInFlight?: number }): MessagePort;
  close(): Promise<void>;
}

/**
 * Starts dynalite (a DynamoDB implementation on LevelDB) on a loopback port, persisting under
 * `<dataDir>/dynamodb`, and creates the service's table if it is missing. The service then talks to it
 * with the real AWS SDK, exactly as it talks to DynamoDB in the cloud.
 *
 * The data folder is claimed and checked first (`claimDataFolder`): a new folder starts empty; a
 * damaged one, or one another process holds, is refused with `DataFolderUnusable` and never reaches dynalite.
 */
const require = createRequire(import.meta.url);

/**
 * The thread's body: dynalite on a loopback port, closed (and the thread ended) on 'close'. The same
 * request handler also answers requests that come over a message port (`{ requests: port }`): the service's
 * own store talks to it that way, without a TCP round trip and two HTTP parsers per call (issue #18).
 */
const DYNALITE_THREAD = `
const { EventEmitter } = require('node:events');
const { parentPort, workerData } = require('node:worker_threads');
const server = require(workerData.dynalite)(workerData.options);
const handle = server.listeners('request')[0];
server.listen(0, '127.0.0.1', () => parentPort.postMessage({ port: server.address().port }));
parentPort.on('message', (message) => {
  if (message === 'close') server.close(() => process.exit(0));
  else if (message && message.requests) answerOn(message.requests, message.maxInFlight || Infinity);
});
// A port with a most-in-flight (the controller's) has its further requests wait here, so that the
// requests of a port without one (the API's reads) never queue behind a deep backlog of writes.
function answerOn(port, maxInFlight) {
  const waiting = [];
  let inFlight = 0;
  const next = () => {
    while (inFlight < maxInFlight && waiting.length > 0) answer(waiting.shift());
  };
  const answer = ({ id, method, path, headers, body }) => {
    inFlight++;
    const req = Object.assign(new EventEmitter(), { method, url: path, headers });
    const head = {};
    const res = {
      statusCode: 200,
      setHeader(name, value) { head[name.toLowerCase()] = String(value); },
      end(data) {
        port.postMessage({ id, statusCode: res.statusCode, headers: head, body: data === undefined ? '' : String(data) });
        inFlight--;
        next();
      },
    };
    handle(req, res);
    if (body.length > 0) req.emit('data', typeof body === 'string' ? Buffer.from(body) : Buffer.from(body.buffer, body.byteOffset, body.byteLength));
    req.emit('end');
  };
  port.on('message', (request) => {
    waiting.push(request);
    next();
  });
}
`;

export async function startEmbeddedDynamoDb(dataDir: string, tableName: string): Promise<EmbeddedDynamoDb> {
  const folder = await claimDataFolder(dataDir);
  // dynalite runs on a thread of its own: the records' work then takes the machine's second core instead
  // of queueing behind the API and the controller on one event loop (issue #18). Same process, so it ends
  // with the service, and the same store code talks to it: over a message port from this process, over
  // loopback from trial jobs and other processes.
  const worker = new Worker(DYNALITE_THREAD, {
    eval: true,
    workerData: { dynalite: require.resolve('dynalite'), options: { path: folder.storePath, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 } },
  });
  const { port1, port2 } = new MessageChannel();
  const handler = new MessagePortRequestHandler(port1);
  let forget = () => {};
  const exited = new Promise<void>((resolve) =>
    worker.once('exit', () => {
      forget();
      handler.close();
      resolve();
    }),
  );
  const close = async () => {
    worker.postMessage('close');
    await exited;
    await folder.release();
  };
  try {
    const port = await new Promise<number>((resolve, reject) => {
      worker.once('error', reject);
      worker.once('message', (message: { port: number }) => resolve(message.port));
    });
    const endpoint = `http://127.0.0.1:${port}`;
    worker.postMessage({ requests: port2 }, [port2]);
    forget = answerInProcess(endpoint, handler);
    await ensureTable(endpoint, tableName);
    const openPort = ({ maxInFlight }: { readonly maxInFlight?: number } = {}) => {
      const channel = new MessageChannel();
      worker.postMessage({ requests: channel.port2, maxInFlight }, [channel.port2]);
      return channel.port1;
    };
    return { endpoint, openPort, close };
  } catch (error) {
    await close();
    throw error;
  }
}

async function ensureTable(endpoint: string, tableName: string): Promise<void> {
  const client = new DynamoDBClient(dynamoClientConfig({ NAS_DYNAMODB_ENDPOINT: endpoint }));
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
    // A data folder from before trial keys began with their tenant keeps its trials.
    await moveLegacyTrialItems(client, tableName);
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
    await client.send(new CreateTableCommand(createTableInput(tableName)));
    await waitUntilTableExists({ client, maxWaitTime: 30, minDelay: 0.05, maxDelay: 0.2 }, { TableName: tableName });
  } finally {
    client.destroy();
  }
}
