import { Worker } from 'node:worker_threads';
import type { ServiceConfig } from '../config.js';
import type { Events, SearchEvent } from '../events/events.js';
import type { SearchWrite } from '../store/recent-searches.js';
import type { EmbeddedDynamoDb } from './embedded-dynamodb.js';
import type { RehearsalOutcome } from './rehearsal.js';
import type { ControllerThreadData, FromControllerThread, ToControllerThread } from './controller-thread-entry.js';

const ENTRY = new URL('./controller-thread-entry.ts', import.meta.url).href;
const TSX_API = import.meta.resolve('tsx/esm/api');
/**
 * The thread registers tsx itself before it imports its TypeScript entry: a worker inherits the loader
 * hooks of `--import tsx` only where the process was started with them (`npm start`), not under every
 * runner (vitest's).
 */
const BOOT = `import(${JSON.stringify(TSX_API)}).then(({ register }) => { register(); return import(${JSON.stringify(ENTRY)}); })`;

/**
 * The local service's controller on a thread of its own (issue #18): its ticks, the in-process benchmark
 * evaluations, the job pool, the sweep and the warm-up of ended searches' predictors no longer share the
 * API's event loop, and at a lower CPU priority (`NAS_CONTROLLER_NICENESS`) they leave busy cores to the
 * API's reads first. Events the API publishes cross over a message port; the thread's store reaches dynalite
 * over a port of its own, and tells the API's store each search record it writes, so that reads answer it
 * at once (src/store/recent-searches.ts).
 */
/**
 * The controller's requests dynalite works on at once; the rest wait their turn, so the API's reads never
 * queue behind a backlog of its writes. Under `bench:load`, 6 against no limit in five alternated pairs:
 * reads 1,620-2,087 against 1,193-1,732 req/s, p99 31-40 against 34-45 ms, and more trials/s in each
 * pair too (965-1,150 against 926-1,032): a shorter queue in dynalite is worked off sooner.
 */
const CONTROLLER_REQUESTS_IN_FLIGHT = 6;

export class ControllerThread implements Events {
  private closed = false;
  private readonly exited: Promise<void>;
  /**
   * Settles with the reason if the thread fails or ends without `close`: no search goes on after that, so
   * the service should end too (`npm start` exits non-zero; a restart resumes every search).
   */
  readonly failed: Promise<Error>;
  private rehearsed: RehearsalOutcome = { skipped: 'not started' };

  private constructor(
    private readonly worker: Worker,
    onSearchWrite: (write: SearchWrite) => void,
  ) {
    this.exited = new Promise((resolve) => worker.once('exit', () => resolve()));
    this.failed = new Promise((resolve) => {
      worker.once('error', resolve);
      worker.once('exit', (code) => this.closed || resolve(new Error(`the controller thread ended (exit code ${code})`)));
    });
    worker.on('message', (message: FromControllerThread) => {
      if (message.type === 'search-write') onSearchWrite(message.write);
    });
  }

  /**
   * Starts the thread; `onSearchWrite` hears of every write of search records its store makes (for the
   * API's store: `DynamoDbStore.heard`). Jobs and the sweep wait for `begin`.
   */
  static async start(config: ServiceConfig, dynamo: EmbeddedDynamoDb, onSearchWrite: (write: SearchWrite) => void): Promise<ControllerThread> {
    const port = dynamo.openPort({ maxInFlight: CONTROLLER_REQUESTS_IN_FLIGHT });
    const workerData: ControllerThreadData = { config, endpoint: dynamo.endpoint, dynamo: port };
    // Its own loader (BOOT), not the process's flags; its garbage is short-lived (records, proposals), and
    // V8's default young generation grows to 48 MB of the service's RSS (16 MB: 10-25 MB less at bench:scale's peak).
    const worker = new Worker(BOOT, { eval: true, execArgv: [], resourceLimits: { maxYoungGenerationSizeMb: 16 }, workerData, transferList: [port] });
    const thread = new ControllerThread(worker, onSearchWrite);
    try {
      thread.rehearsed = (await thread.answer('ready')).rehearsal;
    } catch (error) {
      await worker.terminate();
      throw error;
    }
    return thread;
  }

  /** How its start-up rehearsal went (`rehearseSearch`): the first search a user starts then runs warm. */
  get rehearsal(): RehearsalOutcome {
    return this.rehearsed;
  }

  publish(event: SearchEvent): void {
    this.post({ type: 'event', event });
  }

  /** The API listens at `apiUrl`: jobs may start; resolves once unfinished searches were swept. */
  async begin(apiUrl: string): Promise<void> {
    const begun = this.answer('begun');
    this.post({ type: 'begin', apiUrl });
    await begun;
  }

  /** Lets running ticks finish, closes the job pool, and ends the thread. */
  async close(): Promise<void> {
    if (this.closed) return this.exited;
    const closing = this.answer('closed').catch(() => undefined);
    this.post({ type: 'close' });
    this.closed = true;
    await closing;
    await this.worker.terminate();
    await this.exited;
  }

  private post(message: ToControllerThread): void {
    if (!this.closed) this.worker.postMessage(message);
  }

  /** The thread's next message of `type`; rejects if it fails or ends first. */
  private answer<T extends FromControllerThread['type']>(type: T): Promise<Extract<FromControllerThread, { type: T }>> {
    return new Promise((resolve, reject) => {
      const onMessage = (message: FromControllerThread) => {
        if (message.type !== type) return;
        settle();
        resolve(message as Extract<FromControllerThread, { type: T }>);
      };
      const onError = (error: Error) => {
        settle();
        reject(error);
      };
      const onExit = (code: number) => {
        settle();
        reject(new Error(`the controller thread ended (exit code ${code}) before '${type}'`));
      };
      const settle = () => {
        this.worker.off('message', onMessage);
        this.worker.off('error', onError);
        this.worker.off('exit', onExit);
      };
      this.worker.on('message', onMessage);
      this.worker.once('error', onError);
      this.worker.once('exit', onExit);
    });
  }
}
