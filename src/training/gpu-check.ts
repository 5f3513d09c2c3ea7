import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { GpuUnavailable } from '../errors.js';
import type { TrialGpu } from '../search/trial-gpu.js';

/**
 * The proof a GPU trial trains on the GPU, taken right after `tfjs-node-gpu` became the active backend and
 * before the first epoch. Loading the package proves little: libtensorflow starts without CUDA or cuDNN and
 * then places every operation on the CPU, at GPU prices. What decides is the device TensorFlow's eager
 * context chose (tfjs-node's binding takes the GPU when the context lists one, the host CPU otherwise), and
 * that one operation runs there. The driver's own report (`nvidia-smi`) names the device and versions.
 */

/** What the driver reports, from `nvidia-smi`. */
export interface DriverReport {
  readonly device: string;
  readonly driverVersion?: string;
  readonly computeCapability?: string;
  /** The newest CUDA the driver supports ("CUDA Version" in `nvidia-smi`'s banner). */
  readonly driverCudaVersion?: string;
}

/** Where the check gets its facts; tests and other hosts inject their own. */
export interface GpuProbe {
  /** The active backend's device: on a GPU or not, and the libtensorflow version it loaded. */
  tensorflowDevice(): { readonly onGpu: boolean; readonly tensorflowVersion?: string };
  /** Runs one small operation on the active backend and resolves the milliseconds it took, data read back. */
  firstOpMs(): Promise<number>;
  /** The driver's report, or undefined where `nvidia-smi` is missing or fails. */
  driver(): Promise<DriverReport | undefined>;
  /** The image's environment: `CUDA_VERSION` and `NV_CUDNN_VERSION` of the nvidia/cuda base image. */
  readonly env: NodeJS.ProcessEnv;
}

/**
 * Checks that TensorFlow runs on the GPU and says on which: resolves the facts to record on the trial,
 * or throws `GpuUnavailable` with the reason (and whatever the driver said of the device).
 *
 * @example
 * const gpu = await verifyGpu(nodeGpuProbe()); // once chooseBackend made tfjs-node-gpu the active backend
 */
export async function verifyGpu(probe: GpuProbe): Promise<TrialGpu> {
  const driver = await probe.driver();
  const { onGpu, tensorflowVersion } = probe.tensorflowDevice();
  if (!onGpu) {
    throw new GpuUnavailable(
      driver
        ? 'TensorFlow placed its operations on the CPU although the driver sees a GPU: CUDA or cuDNN failed to load (see the job log for libtensorflow\'s "Could not load dynamic library" lines)'
        : 'TensorFlow found no GPU and nvidia-smi reports none: the container was started without one',
      driver ? describeDriver(driver) : undefined,
    );
  }
  let firstOpMs: number;
  try {
    firstOpMs = await probe.firstOpMs();
  } catch (error) {
    throw new GpuUnavailable(`the first operation on the GPU failed: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`, driver && describeDriver(driver));
  }
  const { CUDA_VERSION: cudaRuntimeVersion, NV_CUDNN_VERSION: cudnnVersion } = probe.env;
  return {
    device: driver?.device ?? 'unknown GPU (nvidia-smi unavailable)',
    ...definedOnly({
      computeCapability: driver?.computeCapability,
      driverVersion: driver?.driverVersion,
      driverCudaVersion: driver?.driverCudaVersion,
      cudaRuntimeVersion,
      cudnnVersion,
      tensorflowVersion,
    }),
    firstOpMs: Math.round(firstOpMs),
  };
}

function describeDriver(driver: DriverReport): string {
  return [driver.device, driver.computeCapability && `compute capability ${driver.computeCapability}`, driver.driverVersion && `driver ${driver.driverVersion}`]
    .filter(Boolean)
    .join(', ');
}

function definedOnly<T extends Record<string, string | undefined>>(fields: T): { [K in keyof T]?: string } {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined && value !== '')) as { [K in keyof T]?: string };
}

/**
 * Reads `nvidia-smi --query-gpu=name,driver_version,compute_cap --format=csv,noheader` (first GPU) and the
 * "CUDA Version" of its banner. `compute_cap` needs driver 510 or newer; older drivers leave it out.
 */
export function parseNvidiaSmi(query: string, banner = ''): DriverReport | undefined {
  const line = query.split('\n').map((l) => l.trim()).find((l) => l.length > 0);
  if (!line) return undefined;
  const [device, driverVersion, computeCapability] = line.split(',').map((field) => field.trim());
  if (!device) return undefined;
  const driverCudaVersion = /CUDA Version:\s*([\d.]+)/.exec(banner)?.[1];
  return {
    device,
    ...definedOnly({ driverVersion, computeCapability: computeCapability && /^\d+\.\d+$/.test(computeCapability) ? computeCapability : undefined, driverCudaVersion }),
  };
}

const run = promisify(execFile);

/** The probe of a real tfjs-node-gpu process: the binding's device choice, a matrix product, `nvidia-smi`. */
export function nodeGpuProbe(env: NodeJS.ProcessEnv = process.env): GpuProbe {
  return {
    env,
    tensorflowDevice() {
      // tfjs-node's backend object: `isUsingGpuDevice` is the binding's device choice, `binding.TF_Version` libtensorflow's.
      const backend = tf.backend() as { isUsingGpuDevice?: boolean; binding?: { TF_Version?: string } };
      return { onGpu: backend.isUsingGpuDevice === true, ...(backend.binding?.TF_Version ? { tensorflowVersion: backend.binding.TF_Version } : {}) };
    },
    async firstOpMs() {
      const started = performance.now();
      const product = tf.tidy(() => tf.matMul(tf.ones([256, 256]), tf.ones([256, 256])));
      try {
        await product.data();
      } finally {
        product.dispose();
      }
      return performance.now() - started;
    },
    async driver() {
      const query = async (fields: string) => (await run('nvidia-smi', [`--query-gpu=${fields}`, '--format=csv,noheader'], { timeout: 15_000 })).stdout;
      try {
        const csv = await query('name,driver_version,compute_cap').catch(() => query('name,driver_version'));
        const banner = await run('nvidia-smi', [], { timeout: 15_000 }).then(
          (out) => out.stdout,
          () => '',
        );
        return parseNvidiaSmi(csv, banner);
      } catch {
        return undefined;
      }
    },
  };
}
