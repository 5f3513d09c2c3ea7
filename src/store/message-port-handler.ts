import type { MessagePort } from 'node:worker_threads';

/** What the AWS SDK hands its request handler (smithy's `HttpRequest`), as far as this handler reads it. */
interface SdkHttpRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body?: unknown;
}

/**
 * The body's bytes in a buffer of their own: a message copies the whole buffer under a view, and the SDK's
 * bodies are views into Node's shared 8 KiB pool.
 */
function bytesOf(body: unknown): Uint8Array {
  if (!(body instanceof Uint8Array)) throw new TypeError('the embedded DynamoDB takes a string or bytes as the request body');
  const bytes = new Uint8Array(body.byteLength);
  bytes.set(body);
  return bytes;
}

/** What the SDK expects back (smithy's `HttpResponse`: it checks the shape, not the class). */
interface SdkHttpResponse {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly body: Uint8Array;
}

interface PortAnswer {
  readonly id: number;
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/**
 * The AWS SDK's request handler for the embedded dynalite of this process (issue #18): the signed,
 * serialized request goes to dynalite's own HTTP request handler on its thread over a message port, and
 * its answer comes back the same way. The SDK's whole stack (serialization, signing, retries,
 * deserialization) and dynalite's request handling and validation run unchanged; what is skipped is the
 * loopback TCP connection and an HTTP parser on each side, which cost more than dynalite's own work.
 * Processes of their own (trial jobs, the CLI) still reach the same dynalite over its HTTP endpoint.
 */
export class MessagePortRequestHandler {
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (answer: { response: SdkHttpResponse }) => void; reject: (error: Error) => void }>();
  private closed: Error | undefined;

  constructor(private readonly port: MessagePort) {
    port.on('message', (answer: PortAnswer) => {
      const waiting = this.pending.get(answer.id);
      if (!waiting) return;
      this.pending.delete(answer.id);
      // An idle port keeps no process alive; one with a request in flight does, like a socket would.
      if (this.pending.size === 0) port.unref();
      waiting.resolve({ response: { statusCode: answer.statusCode, headers: answer.headers, body: Buffer.from(answer.body, 'utf8') } });
    });
    port.unref();
  }

  handle(request: SdkHttpRequest): Promise<{ response: SdkHttpResponse }> {
    if (this.closed) return Promise.reject(this.closed);
    const id = this.nextId++;
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) headers[name.toLowerCase()] = value;
    const { body } = request;
    // The SDK's JSON body is a Uint8Array subclass whose string methods warn: its bytes travel as they are.
    const sent = body === undefined || body === null ? '' : typeof body === 'string' ? body : bytesOf(body);
    return new Promise((resolve, reject) => {
      if (this.pending.size === 0) this.port.ref();
      this.pending.set(id, { resolve, reject });
      this.port.postMessage({ id, method: request.method, path: request.path, headers, body: sent });
    });
  }

  /** Fails the requests in flight and every later one, as a refused connection would (the thread ended). */
  close(): void {
    if (this.closed) return;
    // The store reads ECONNREFUSED as "the record store is unavailable", as it would from a closed socket.
    this.closed = Object.assign(new Error('the embedded DynamoDB has closed'), { code: 'ECONNREFUSED' });
    for (const { reject } of this.pending.values()) reject(this.closed);
    this.pending.clear();
    this.port.close();
  }

  updateHttpClientConfig(): void {}

  httpHandlerConfigs(): Record<string, never> {
    return {};
  }

  /** Every client of the endpoint shares this handler: destroying one client must not close it. */
  destroy(): void {}
}
