/**
 * Switches TensorFlow.js to its WebAssembly backend for an agent-training process (`nas agent train`,
 * `bench/rl`). Measured on the 2-core dev machine (batch 64, nb201 layout): a learner step of the default
 * transformer takes 86 ms on WASM against 297 ms on the pure-JS CPU backend, the MLP's 5 ms against 22 ms;
 * forward passes are 4-6x faster. The rest of the service keeps the CPU backend (`predictors/tf-cpu.ts`):
 * search-time inference of one state is a few milliseconds on either.
 */
import '@tensorflow/tfjs-backend-wasm';
import { tf } from '../../predictors/tf-cpu.js';

export async function useTrainingBackend(): Promise<void> {
  if (!(await tf.setBackend('wasm'))) throw new Error('the TensorFlow.js WASM backend failed to initialise');
}
