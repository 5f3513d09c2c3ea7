import { describe, expect, it } from 'vitest';
import { GpuUnavailable } from '../../src/errors.js';
import { parseNvidiaSmi, verifyGpu, type DriverReport, type GpuProbe } from '../../src/training/gpu-check.js';

const T4: DriverReport = { device: 'Tesla T4', driverVersion: '550.127.05', computeCapability: '7.5', driverCudaVersion: '12.4' };
const IMAGE_ENV = { CUDA_VERSION: '11.8.0', NV_CUDNN_VERSION: '8.9.6.50' };

/** A probe with the facts of a test: what TensorFlow chose, what the driver says, how the first op goes. */
function probe(overrides: Partial<GpuProbe> = {}): GpuProbe {
  return {
    env: IMAGE_ENV,
    tensorflowDevice: () => ({ onGpu: true, tensorflowVersion: '2.9.1' }),
    firstOpMs: async () => 412.4,
    driver: async () => T4,
    ...overrides,
  };
}

describe('verifyGpu', () => {
  it('GIVEN TensorFlow on the GPU WHEN checked THEN it reports the device, the driver, the CUDA of driver and image, cuDNN, TensorFlow and the first op time', async () => {
    await expect(verifyGpu(probe())).resolves.toEqual({
      device: 'Tesla T4',
      computeCapability: '7.5',
      driverVersion: '550.127.05',
      driverCudaVersion: '12.4',
      cudaRuntimeVersion: '11.8.0',
      cudnnVersion: '8.9.6.50',
      tensorflowVersion: '2.9.1',
      firstOpMs: 412,
    });
  });

  it('GIVEN the driver sees a GPU but TensorFlow placed its ops on the CPU (CUDA or cuDNN failed to load) WHEN checked THEN GpuUnavailable names both', async () => {
    const check = verifyGpu(probe({ tensorflowDevice: () => ({ onGpu: false }) }));
    await expect(check).rejects.toThrow(GpuUnavailable);
    await expect(check).rejects.toThrow(/^GpuUnavailable: TensorFlow placed its operations on the CPU although the driver sees a GPU.*\(device: Tesla T4, compute capability 7\.5, driver 550\.127\.05\)$/);
  });

  it('GIVEN no GPU at all WHEN checked THEN GpuUnavailable says the container has none', async () => {
    await expect(verifyGpu(probe({ tensorflowDevice: () => ({ onGpu: false }), driver: async () => undefined }))).rejects.toThrow(/started without one/);
  });

  it('GIVEN the first GPU operation fails WHEN checked THEN GpuUnavailable carries its first line', async () => {
    await expect(verifyGpu(probe({ firstOpMs: async () => Promise.reject(new Error('CUDA_ERROR_NO_BINARY_FOR_GPU\nmore')) }))).rejects.toThrow(
      'GpuUnavailable: the first operation on the GPU failed: CUDA_ERROR_NO_BINARY_FOR_GPU (device: Tesla T4, compute capability 7.5, driver 550.127.05)',
    );
  });

  it('GIVEN nvidia-smi is missing WHEN TensorFlow is on the GPU THEN the trial still records that it is, naming the device unknown', async () => {
    const gpu = await verifyGpu(probe({ driver: async () => undefined, env: {} }));
    expect(gpu).toEqual({ device: 'unknown GPU (nvidia-smi unavailable)', tensorflowVersion: '2.9.1', firstOpMs: 412 });
  });
});

describe('parseNvidiaSmi', () => {
  it('reads name, driver and compute capability of the first GPU, and the CUDA version of the banner', () => {
    const banner = '| NVIDIA-SMI 550.127.05             Driver Version: 550.127.05     CUDA Version: 12.4     |';
    expect(parseNvidiaSmi('Tesla T4, 550.127.05, 7.5\nTesla T4, 550.127.05, 7.5\n', banner)).toEqual(T4);
  });

  it('leaves out what an older driver does not report, and reads nothing from empty output', () => {
    expect(parseNvidiaSmi('Tesla T4, 470.82.01\n')).toEqual({ device: 'Tesla T4', driverVersion: '470.82.01' });
    expect(parseNvidiaSmi('Tesla T4, 470.82.01, [N/A]')).toEqual({ device: 'Tesla T4', driverVersion: '470.82.01' });
    expect(parseNvidiaSmi('\n')).toBeUndefined();
  });
});
