/**
 * What a response-streaming handler needs of the Lambda Node.js runtime, for running one outside Lambda:
 * the runtime's `awslambda` global with its two members streaming uses, no more. `streamifyResponse` only
 * marks the handler (the runtime then calls it with the event, a writable response stream and the
 * context). `HttpResponseStream.from` does what the runtime's does: it sends the prelude (status and
 * headers as JSON) and 8 zero bytes with the stream's first write, so a handler that never writes sends
 * no prelude at all, as in Lambda.
 *
 * Plain JavaScript, loaded with `import` by the tests and with `node --import` by a bundle run on plain Node.
 */
globalThis.awslambda = {
  streamifyResponse: (handler) => handler,
  HttpResponseStream: {
    from(stream, prelude) {
      const write = stream.write.bind(stream);
      stream.write = (...args) => {
        stream.write = write;
        write(JSON.stringify(prelude));
        write(new Uint8Array(8));
        return write(...args);
      };
      return stream;
    },
  },
};
