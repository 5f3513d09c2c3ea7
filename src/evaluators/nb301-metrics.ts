/**
 * What the `nb301` benchmark answers, apart from the surrogate itself, so that code which only validates
 * specs (the API Lambda) never pulls in the ONNX runtime.
 */
export const NB301_MAX_EPOCH = 98;
/** Accuracy in percent (like NB201) and the predicted training time. */
export const NB301_METRICS = ['val_accuracy', 'train_seconds'];
