/**
 * What a GPU trial's job found when it checked, before training, that TensorFlow runs on the GPU
 * (`src/training/gpu-check.ts`). Recorded on the trial, so a result can be traced to the hardware and the
 * driver stack it was measured on, and a trial that silently trained on the CPU cannot exist.
 */
export interface TrialGpu {
  /** The GPU's name as the driver reports it, e.g. `Tesla T4`. */
  readonly device: string;
  /** CUDA compute capability, e.g. `7.5`; absent when the driver does not report it. */
  readonly computeCapability?: string;
  /** The NVIDIA driver's version, e.g. `550.127.05`. */
  readonly driverVersion?: string;
  /** The newest CUDA version the driver supports (what `nvidia-smi` prints as "CUDA Version"). */
  readonly driverCudaVersion?: string;
  /** The CUDA runtime of the image (`CUDA_VERSION` of the nvidia/cuda base image). */
  readonly cudaRuntimeVersion?: string;
  /** The cuDNN of the image (`NV_CUDNN_VERSION`). */
  readonly cudnnVersion?: string;
  /** The libtensorflow version the binding loaded (tfjs-node-gpu 4.22: 2.9.1). */
  readonly tensorflowVersion?: string;
  /**
   * Milliseconds the first operation on the GPU took: kernels TensorFlow ships for this GPU load in well
   * under a second; a GPU it ships no kernels for waits for PTX to be compiled (minutes, once per CUDA cache).
   */
  readonly firstOpMs?: number;
}
