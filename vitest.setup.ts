// Unit tests run core on TF.js's cpu backend: it is the reference every other backend is
// compared against. Core never picks a backend itself; its callers (worker, CLI, tests) do.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';

await tf.setBackend('cpu');
