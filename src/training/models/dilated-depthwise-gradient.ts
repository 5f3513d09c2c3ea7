import * as tf from '@tensorflow/tfjs';

/**
 * TensorFlow.js 4.22 has no gradient for a dilated depthwise convolution (its gradient asserts dilation
 * 1, and the CPU backprop kernels ignore dilation), yet the DARTS `dil_conv` operations are exactly that.
 * This registers a gradient for `DepthwiseConv2dNative` that handles dilation d (stride 1, depth
 * multiplier 1) with forward depthwise convolutions only, which every backend runs with dilation, and
 * leaves every other case to the stock gradient:
 * - dx is the correlation of dy, padded so the output has x's size, with the kernel flipped in space;
 * - dw[i, j, c] = sum over b, h, w of xpad[b, h + d i, w + d j, c] dy[b, h, w, c]: a depthwise convolution
 *   of padded x with dy as the kernel and stride d, batch folded into channels so one call does it all.
 * Idempotent; the model builders call it so that any process that builds a model can also train it.
 */
export function registerDilatedDepthwiseGradient(): void {
  const stock = tf.getGradient(tf.DepthwiseConv2dNative);
  if (!stock || (stock as { dilated?: boolean }).dilated) return;
  tf.registerGradient({
    kernelName: tf.DepthwiseConv2dNative,
    inputsToSave: ['x', 'filter'],
    dilated: true,
    gradFunc: (dy, saved, attrs) => {
      const { dilations, strides, pad, dimRoundingMode } = attrs as unknown as tf.DepthwiseConv2dNativeAttrs;
      const dilation = typeof dilations === 'number' ? [dilations, dilations] : (dilations ?? [1, 1]);
      if (dilation[0] === 1 && dilation[1] === 1) return stock.gradFunc(dy, saved, attrs);
      const [x, filter] = saved as [tf.Tensor4D, tf.Tensor4D];
      const gradient = dy as tf.Tensor4D;
      const info = tf.backend_util.computeConv2DInfo(x.shape, filter.shape, strides, dilation as [number, number], pad, dimRoundingMode, true);
      if (info.strideHeight !== 1 || info.strideWidth !== 1 || filter.shape[3] !== 1) {
        throw new Error('the dilated depthwise gradient supports stride 1 and depth multiplier 1 only');
      }
      const { top, bottom, left, right } = info.padInfo;
      const [reachHeight, reachWidth] = [info.dilationHeight * (info.filterHeight - 1), info.dilationWidth * (info.filterWidth - 1)];
      return {
        x: () => {
          const padded = tf.pad(gradient, [[0, 0], [reachHeight - top, reachHeight - bottom], [reachWidth - left, reachWidth - right], [0, 0]]);
          return tf.depthwiseConv2d(padded, tf.reverse(filter, [0, 1]) as tf.Tensor4D, 1, 'valid', 'NHWC', dilation as [number, number]);
        },
        filter: () => {
          const [batch, , , channels] = x.shape;
          const padded = tf.pad(x, [[0, 0], [top, bottom], [left, right], [0, 0]]);
          const image = tf.reshape(tf.transpose(padded, [1, 2, 0, 3]), [1, padded.shape[1], padded.shape[2], batch * channels]) as tf.Tensor4D;
          const kernel = tf.reshape(tf.transpose(gradient, [1, 2, 0, 3]), [gradient.shape[1], gradient.shape[2], batch * channels, 1]) as tf.Tensor4D;
          const perSample = tf.depthwiseConv2d(image, kernel, [info.dilationHeight, info.dilationWidth], 'valid');
          return tf.reshape(tf.sum(tf.reshape(perSample, [info.filterHeight, info.filterWidth, batch, channels]), 2), filter.shape);
        },
      };
    },
  } as tf.GradConfig);
}
