import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/config.js';

const run = promisify(execFile);

/**
 * TensorFlow.js costs a process about 90 MB and a third of a second to import. The API and the controller
 * (their Lambdas' cold starts) and the local service load it only when a policy walks, an agent learns or a
 * model trains. Checked in a fresh process: test files share theirs, where another file has long loaded it.
 * `_tfengine` is the global TensorFlow.js's core sets when it is imported.
 */
async function loadsTensorFlow(module: string): Promise<boolean> {
  const script = `await import(${JSON.stringify(module)}); console.log(typeof globalThis._tfengine);`;
  const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: PROJECT_ROOT });
  return stdout.trim() !== 'undefined';
}

describe('TensorFlow.js is loaded on first use', () => {
  it.each(['./src/api/app.ts', './src/controller/tick.ts', './src/local/local-service.ts'])('not by importing %s', async (module) => {
    expect(await loadsTensorFlow(module)).toBe(false);
  });

  it('by the rl strategy walking a policy (the check can see it)', async () => {
    expect(await loadsTensorFlow('./src/strategies/rl/policy-walk.ts')).toBe(true);
  });
});
