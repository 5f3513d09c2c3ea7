import { Writable } from 'node:stream';
import { runCli } from '../../src/cli/run-cli.js';
import type { NasRun } from '../cli/served-api.js';

/** A stream that keeps what is written to it; `text` reads it back. */
function collector(): { stream: Writable; text: () => string } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk);
      done();
    },
  });
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

/**
 * `nas args...` run in this process through the command's own entry (`runCli`): what `runNas` answers for a
 * spawned `nas`, without starting a process (about a second each on 2 cores). It gets a copy of this
 * process's environment, as a child would, so nothing it does can change this process's settings. `nas
 * predict --file -` would read this process's standard input: only a spawned `nas` can be given one.
 */
export async function nasInProcess(args: readonly string[]): Promise<NasRun> {
  const stdout = collector();
  const stderr = collector();
  const code = await runCli(args, { stdout: stdout.stream, stderr: stderr.stream, env: { ...process.env } });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}
