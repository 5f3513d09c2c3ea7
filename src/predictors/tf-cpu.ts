/**
 * TensorFlow.js pinned to its pure-JavaScript CPU backend, the only module that configures it.
 *
 * Why CPU: its kernels run in a fixed order, so a predictor trained with the same seed gives bit-identical
 * weights on every machine, and it needs no native build (the service runs in Lambda and in a plain
 * `npm install`). Why production mode: it silences the "install tfjs-node" banner the CPU backend prints
 * on first use and skips debug checks; predictors are the process's only TensorFlow.js user.
 */
import * as tf from '@tensorflow/tfjs';

tf.enableProdMode();
if (!(await tf.setBackend('cpu'))) throw new Error('the TensorFlow.js CPU backend failed to initialise');

export { tf };
