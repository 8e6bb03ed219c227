/**
 * The one place that picks the TensorFlow.js backend: WASM (tfjs-node is not available here).
 * Call `ensureTf()` before any tensor work; it is idempotent.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

let ready: Promise<typeof tf> | null = null;

export function ensureTf(): Promise<typeof tf> {
  ready ??= (async () => {
    if (tf.getBackend() !== 'wasm') {
      const ok = await tf.setBackend('wasm');
      if (!ok) throw new Error('the tfjs wasm backend failed to initialise');
    }
    await tf.ready();
    return tf;
  })();
  return ready;
}

export { tf };
