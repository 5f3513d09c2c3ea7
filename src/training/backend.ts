import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';
import { GpuUnavailable, Unavailable } from '../errors.js';
import type { TrialGpu } from '../search/trial-gpu.js';
import { nodeGpuProbe, verifyGpu } from './gpu-check.js';
import { supplyTrainingKernels } from './models/training-kernels.js';

/**
 * Makes TensorFlow.js's pure-JavaScript CPU backend the active one: what RL policies run on, and what models
 * are built and restored on. Its kernels run in a fixed order, so a policy
 * trained with the same seed has bit-identical weights on every machine, and it needs no native build.
 * Called where they first make tensors (never at import), and cheap when CPU is already active. The CPU
 * backend initialises synchronously, so tensors made right after this call live on it.
 */
export function useCpuBackend(): void {
  if (tf.engine().backendName === 'cpu') return;
  // Production mode skips debug checks and the "install tfjs-node" banner the CPU backend prints.
  tf.enableProdMode();
  void tf.setBackend('cpu');
  if (tf.engine().backendName !== 'cpu') throw new Error('the TensorFlow.js CPU backend failed to initialise');
}

/**
 * The TensorFlow.js backends a trial can train on, in the order they are tried (fastest first). The name
 * is what a trial records. `tfjs-node-gpu` and `tfjs-node` are native packages that fail to install
 * offline, so they are not dependencies: only the Batch image installs `tfjs-node-gpu` (batch/Dockerfile).
 */
export const TRAINING_BACKENDS = ['tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu'] as const;
export type TrainingBackend = (typeof TRAINING_BACKENDS)[number];

/** The environment variable that forces one backend: it is used or the choice fails. */
export const FORCE_BACKEND_VARIABLE = 'NAS_TF_BACKEND';

export interface ChosenBackend {
  readonly name: TrainingBackend;
  /** Each faster backend that was passed over, and why (absent package, no GPU, missing kernels). */
  readonly skipped: readonly { readonly name: TrainingBackend; readonly reason: string }[];
  /** With `tfjs-node-gpu`: the GPU TensorFlow was shown to run on, and the driver and CUDA versions. */
  readonly gpu?: TrialGpu;
}

export interface ChooseBackendOptions {
  /** Kernels the model's training step runs (`trainingStepKernels`); wasm is chosen only if it has all of them. */
  readonly kernels?: ReadonlySet<string>;
  /** Reads `NAS_TF_BACKEND`. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** Whether an NVIDIA GPU is visible. @default a check for /dev/nvidia0 */
  readonly gpuPresent?: () => boolean;
  /** Loads a package by name. @default dynamic import() */
  readonly loadPackage?: (name: string) => Promise<unknown>;
  /**
   * Proves, once `tfjs-node-gpu` is active, that TensorFlow runs on the GPU (throws `GpuUnavailable`).
   * @default `verifyGpu(nodeGpuProbe(env))` (src/training/gpu-check.ts)
   */
  readonly verifyGpu?: () => Promise<TrialGpu>;
}

/** The registry name both native packages give their backend. */
const NATIVE_BACKEND = 'tensorflow';

// The name is a variable so that TypeScript does not try to resolve packages that are not installed.
const importByName = (name: string): Promise<unknown> => import(name);

/** The NVIDIA container runtime exposes each visible GPU as /dev/nvidiaN. */
const nvidiaDevicePresent = () => existsSync('/dev/nvidia0');

/** Whether a backend could be started, or why not. */
type Attempt = { readonly ok: true; readonly gpu?: TrialGpu } | { readonly ok: false; readonly reason: string };

function describe(error: unknown): string {
  return error instanceof Error ? error.message.split('\n')[0]! : String(error);
}

async function activate(backend: string): Promise<Attempt> {
  try {
    return (await tf.setBackend(backend)) ? { ok: true } : { ok: false, reason: `the '${backend}' backend failed to initialise` };
  } catch (error) {
    return { ok: false, reason: describe(error) };
  }
}

async function startNative(packageName: string, load: (name: string) => Promise<unknown>): Promise<Attempt> {
  try {
    await load(packageName);
  } catch (error) {
    return { ok: false, reason: `${packageName} is not installed (${describe(error)})` };
  }
  return activate(NATIVE_BACKEND);
}

/**
 * The wasm backend, pointed at the .wasm binaries beside its package (Node reads them from disk; the
 * default location is a browser's URL). Its kernels cover inference well but training only partly: 4.22
 * has no convolution filter gradients, no depthwise input gradient and no UnsortedSegmentSum (embedding
 * gradients); `supplyTrainingKernels` adds them, and a model that needs any other kernel wasm lacks trains
 * on the CPU backend instead.
 */
async function startWasm(kernels: ReadonlySet<string>, load: (name: string) => Promise<unknown>): Promise<Attempt> {
  let wasm: typeof import('@tensorflow/tfjs-backend-wasm');
  try {
    wasm = (await load('@tensorflow/tfjs-backend-wasm')) as typeof wasm;
  } catch (error) {
    return { ok: false, reason: `@tensorflow/tfjs-backend-wasm did not load (${describe(error)})` };
  }
  supplyTrainingKernels('wasm');
  const missing = [...kernels].filter((kernel) => tf.getKernel(kernel, 'wasm') === undefined).sort();
  if (missing.length > 0) return { ok: false, reason: `wasm lacks kernels this model trains with: ${missing.join(', ')}` };
  const require = createRequire(import.meta.url);
  wasm.setWasmPaths(`${dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'))}/`);
  return activate('wasm');
}

/**
 * Selects the fastest TensorFlow.js backend that can train the model and makes it the active one:
 * `tfjs-node-gpu` (only with a GPU present), `tfjs-node`, `wasm` (only if it has every kernel in
 * `kernels`), then `cpu`, which always works. `NAS_TF_BACKEND` forces one of them; a forced backend that
 * cannot start throws `Unavailable` rather than silently training elsewhere (`GpuUnavailable` for
 * `tfjs-node-gpu`, which the GPU queue's job definition forces). `tfjs-node-gpu` counts as started only once
 * TensorFlow is shown to run on the GPU (`verifyGpu`), whose report `gpu` carries.
 *
 * @example
 * const kernels = await trainingStepKernels(model, dataset); // on the CPU backend, before choosing
 * const backend = await chooseBackend({ kernels });           // record backend.name on the trial
 */
export async function chooseBackend(options: ChooseBackendOptions = {}): Promise<ChosenBackend> {
  const { kernels = new Set<string>(), env = process.env, gpuPresent = nvidiaDevicePresent, loadPackage = importByName } = options;
  const proveGpu = options.verifyGpu ?? (() => verifyGpu(nodeGpuProbe(env)));
  // As for the CPU backend: no debug checks, and no "install tfjs-node" banner when it ends up on cpu or wasm.
  tf.enableProdMode();
  const forced = env[FORCE_BACKEND_VARIABLE] || undefined;
  if (forced !== undefined && !(TRAINING_BACKENDS as readonly string[]).includes(forced)) {
    throw new Error(`${FORCE_BACKEND_VARIABLE} must be one of ${TRAINING_BACKENDS.join(', ')}, got '${forced}'`);
  }
  const attempts: Record<TrainingBackend, () => Promise<Attempt>> = {
    'tfjs-node-gpu': async () => {
      if (!gpuPresent()) return { ok: false, reason: 'no GPU present' };
      const started = await startNative('@tensorflow/tfjs-node-gpu', loadPackage);
      if (!started.ok) return started;
      try {
        return { ok: true, gpu: await proveGpu() };
      } catch (error) {
        if (!(error instanceof GpuUnavailable) || forced !== undefined) throw error;
        return { ok: false, reason: error.message };
      }
    },
    'tfjs-node': () => startNative('@tensorflow/tfjs-node', loadPackage),
    wasm: () => startWasm(kernels, loadPackage),
    cpu: async () => {
      supplyTrainingKernels('cpu');
      return activate('cpu');
    },
  };
  const skipped: { name: TrainingBackend; reason: string }[] = [];
  for (const name of forced === undefined ? TRAINING_BACKENDS : [forced as TrainingBackend]) {
    const attempt = await attempts[name]();
    if (attempt.ok) return { name, skipped, ...(attempt.gpu ? { gpu: attempt.gpu } : {}) };
    skipped.push({ name, reason: attempt.reason });
  }
  const reasons = skipped.map(({ name, reason }) => `${name}: ${reason}`).join('; ');
  // A GPU job (the GPU queue forces tfjs-node-gpu) fails with the one reason that names the GPU.
  if (forced === 'tfjs-node-gpu') throw new GpuUnavailable(reasons.replace(/^tfjs-node-gpu: /, ''));
  throw new Unavailable(
    forced === undefined ? `no TensorFlow.js backend could start (${reasons})` : `${FORCE_BACKEND_VARIABLE}=${forced} cannot train here (${reasons})`,
  );
}
