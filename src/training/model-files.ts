/**
 * The file names of a saved model: what `tf.loadLayersModel('file://<dir>/model.json')` reads. A module of
 * their own, without TensorFlow.js, so that the API (which only lists and serves the files) does not load it.
 */
export const MODEL_JSON = 'model.json';
export const MODEL_WEIGHTS = 'weights.bin';
