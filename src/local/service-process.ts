import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../config.js';

export interface ServiceProcess {
  readonly url: string;
  readonly child: ChildProcess;
  /** Kills the service and its job workers at once, like a crashed machine. */
  crash(): Promise<void>;
  stop(): Promise<void>;
}

/** Characters of the service's output kept, for the message when it dies by itself. */
const OUTPUT_KEPT = 20_000;

/**
 * Runs `npm start`'s entry as a separate process group, as a user would, and waits for its URL. Used by
 * the restart tests and the load benchmark, which need the service in a process of its own.
 */
export async function startServiceProcess(env: NodeJS.ProcessEnv): Promise<ServiceProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'src', 'local', 'main.ts')], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, PORT: '0', ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`service did not start:\n${output}`)), 30_000);
    const onData = (chunk: Buffer) => {
      // The tail is enough to say why a service died; the whole log of a long run is not kept.
      output = (output + chunk.toString()).slice(-OUTPUT_KEPT);
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`service exited with ${code}:\n${output}`)));
  });
  let ending = false;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      // A service that dies by itself takes its reason with it: say it where the caller can see it.
      if (!ending) process.stderr.write(`the service at ${url} exited by itself (${code ?? signal}); its output ended with:\n${output}\n`);
      resolve();
    }),
  );
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // already gone
    }
  };
  return {
    url,
    child,
    async crash() {
      ending = true;
      signalGroup('SIGKILL');
      await exited;
    },
    async stop() {
      ending = true;
      signalGroup('SIGTERM');
      await exited;
    },
  };
}

export async function waitFor<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}
