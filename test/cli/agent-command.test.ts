import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DirectoryArtifactStore } from '../../src/artifacts/directory-artifact-store.js';
import { runAgentCommand } from '../../src/cli/agent.js';
import { PROJECT_ROOT } from '../../src/config.js';
import { waitFor } from '../../src/local/service-process.js';
import { PolicyRegistry } from '../../src/strategies/rl/policy-registry.js';
import { BENCHMARKS_DIR } from '../helpers/nb201-csv.js';

const NAS = join(PROJECT_ROOT, 'bin', 'nas.mjs');
// Long enough to be killed halfway: progress is written once a second, ~150 steps apart on 2 cores, so the kill
// after step 200 is seen lands well before step 600; small enough to finish in a test.
const TRAIN = ['agent', 'train', '--space', 'nb201', '--benchmark', 'nb201', '--metric', 'cifar10_valid_12', '--name', 'killed', '--steps', '600', '--params', '{"warmup":50,"scaleSamples":16,"checkpointInterval":100,"network":{"kind":"mlp","hidden":[16]}}'];

let artifactsDir: string;
let env: NodeJS.ProcessEnv;
beforeAll(async () => {
  artifactsDir = await mkdtemp(join(tmpdir(), 'nas-agent-'));
  env = { ...process.env, NAS_ARTIFACTS: artifactsDir, NAS_BENCHMARKS_DIR: BENCHMARKS_DIR };
});
afterAll(() => rm(artifactsDir, { recursive: true, force: true }));

const nas = (args: readonly string[]) => promisify(execFile)(process.execPath, [NAS, ...args], { env, cwd: PROJECT_ROOT });
const progressOf = async () => JSON.parse(await readFile(join(artifactsDir, 'training/nb201/killed/progress.json'), 'utf8'));

describe('nas agent train', () => {
  it('runs training as a job in the local pool; after the command is killed, the job stops and the same command resumes it from its checkpoint', async () => {
    // The pool's child process inherits the command's output pipes, so they close only once both have ended.
    const first = spawn(process.execPath, [NAS, ...TRAIN], { env, cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let pipesClosed = false;
    first.once('close', () => (pipesClosed = true));
    first.stdout!.resume();
    first.stderr!.resume();
    await waitFor(async () => ((await progressOf().catch(() => undefined))?.step >= 200 ? true : undefined), 'the job to pass step 200', 60_000);
    first.kill('SIGKILL');
    // The pool's child process notices its parent is gone and stops, leaving the run unfinished.
    await waitFor(async () => (pipesClosed ? true : undefined), "the pool's child process to stop", 10_000);
    const stopped = await progressOf();
    expect(stopped.state).toBe('running');
    expect(stopped.step).toBeLessThan(600);

    const { stdout } = await nas(TRAIN);
    const resumedFrom = Number(/resuming run 'killed' from step (\d+)/.exec(stdout)?.[1]);
    expect(resumedFrom).toBeGreaterThanOrEqual(200);
    expect(resumedFrom % 100).toBe(0);
    expect(stdout).toMatch(/submitted run 'killed' as job agent-nb201-killed-\w+ \(local\)/);
    expect(stdout).toContain('trained  nb201/killed: nb201 cifar10_valid_12, 600 steps, seed 0');
    expect((await new PolicyRegistry(new DirectoryArtifactStore(artifactsDir)).get('nb201', 'killed'))?.manifest.steps).toBe(600);
    expect(await progressOf()).toMatchObject({ state: 'succeeded', step: 600, resumedFrom });
  }, 120_000);

  /** `nas agent ...` in this process, as `bin/nas.mjs` runs it (same environment): its exit code and standard error. */
  const inProcess = async (args: readonly string[]) => {
    vi.stubEnv('NAS_ARTIFACTS', artifactsDir);
    vi.stubEnv('NAS_BENCHMARKS_DIR', BENCHMARKS_DIR);
    const errors: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((...parts: unknown[]) => void errors.push(`${parts.join(' ')}\n`));
    try {
      return { code: await runAgentCommand(args.slice(1)), stderr: errors.join('') };
    } finally {
      vi.restoreAllMocks();
      vi.unstubAllEnvs();
    }
  };

  // The first refusal runs the real command, for its exit status; the others call the command's entry in this
  // process, which saves a process start (about a second and a half on 2 cores) each.
  it.each([
    ['a process of its own', ['--metric', 'top1'], /benchmark 'nb201' answers .*got 'top1'/],
    ['this process', ['--params', '{"learningRate":-1}'], /hyperparameter 'learningRate'/],
    ['this process', ['--on', 'cloud'], /--on must be local or batch/],
    ['this process', ['--on', 'batch'], /--on batch needs NAS_AGENT_JOB_QUEUE and NAS_AGENT_JOB_DEFINITION/],
  ])('refuses, run in %s, %j before submitting anything, naming what is wrong', async (where, extra, message) => {
    const args = ['agent', 'train', '--name', 'refused', ...extra];
    const failed =
      where === 'this process'
        ? await inProcess(args)
        : await nas(args).then(() => undefined, (error: { code: number; stderr: string }) => error);
    expect(failed?.code).toBe(2);
    expect(failed?.stderr).toMatch(message);
    await expect(readFile(join(artifactsDir, 'training/nb201/refused.job.json'))).rejects.toThrow(/ENOENT/);
  });
});
