import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import golden from '../testing/oracle/packed-linear-oracle.json';
import { registerPackedCpuKernels } from '../testing/packed-cpu-kernels';
import { losslessHalfFormat, packHalfWords, unpackHalfWords, type HalfFormat } from './half-words';
import { withPortableOps } from './kernel-path';
import { packedGather, packedLinear, packedOpsPath, unpackWeight } from './packed-linear';
import { isPackedWeight, packWeight, readWeightHost } from './packed-weights';

// Golden values: tools/oracle/packed_linear_oracle.py (PyTorch: W in bfloat16/float16, packed by
// PyTorch's own .view(torch.int32), y = x Wᵀ and dx = dy W in float64).
const TOLERANCE = 1e-5;
type Case = (typeof golden.cases)[number];

const bitsOf = (values: Float32Array) => Array.from(new Uint32Array(values.buffer, values.byteOffset, values.length));

function maxRelError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  expect(got.length).toBe(want.length);
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]) / Math.max(1, Math.abs(want[i])));
  return worst;
}

/** Every 16-bit pattern as one row of `cols` values (cols odd leaves a padded last word). */
function everyPattern(cols: number): Int32Array {
  const words = new Int32Array(Math.ceil(cols / 2));
  for (let h = 0; h < cols; h++) words[h >> 1] |= h & 1 ? h << 16 : h;
  return words;
}

describe('packing 16-bit values two to a word', () => {
  for (const format of ['bf16', 'f16'] as HalfFormat[]) {
    it(`round-trips all 65,536 ${format} patterns bit for bit, odd counts included`, () => {
      for (const cols of [65536, 65535]) {
        const words = everyPattern(cols);
        const values = unpackHalfWords(words, 1, cols, format);
        expect(Array.from(packHalfWords(values, 1, cols, format))).toEqual(Array.from(words));
      }
    });

    it(`widens ${format} NaN, ±inf, subnormals and ±0 to PyTorch's float32`, () => {
      const { bits16, float32Bits } = golden.special[format];
      const words = new Int32Array(bits16.length); // one value per row, K = 1: the high halves are pads
      bits16.forEach((h, i) => (words[i] = h));
      const widened = bitsOf(unpackHalfWords(words, bits16.length, 1, format));
      bits16.forEach((h, i) => {
        const isNaN = format === 'bf16' ? (h & 0x7f80) === 0x7f80 && (h & 0x7f) !== 0 : (h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0;
        // PyTorch's half → float conversion quiets a signalling NaN; ours keeps its bits, so that it packs back unchanged.
        if (isNaN) expect(Number.isNaN(new Float32Array(new Uint32Array([widened[i]]).buffer)[0]), `pattern ${h}`).toBe(true);
        else expect(widened[i], `pattern 0x${h.toString(16)}`).toBe(float32Bits[i]);
      });
      expect(Array.from(packHalfWords(unpackHalfWords(words, bits16.length, 1, format), bits16.length, 1, format))).toEqual(Array.from(words));
    });
  }

  it.each(golden.cases.map((c) => [c.name, c] as [string, Case]))("packs %s into PyTorch's own int32 view of the weight", (_, c) => {
    const { M, K } = c.shape;
    expect(Array.from(packHalfWords(Float32Array.from(c.weight), M, K, c.format as HalfFormat))).toEqual(c.words);
  });

  it('packs only what a 16-bit format holds exactly', () => {
    const byFormat = Object.fromEntries(golden.cases.map((c) => [c.format, Float32Array.from(c.weight)]));
    expect(losslessHalfFormat(byFormat.bf16)).toBe('bf16');
    expect(losslessHalfFormat(byFormat.f16)).toBe('f16');
    expect(losslessHalfFormat(Float32Array.from([0.1, 0.2]))).toBeNull();
  });

  it('reads a packed device weight back in its own layout, transposed ones included', async () => {
    const c = golden.cases[0];
    const { M, K } = c.shape;
    const weight = Float32Array.from(c.weight);
    for (const transposed of [false, true]) {
      const shape: [number, number] = transposed ? [K, M] : [M, K];
      const data = transposed ? Float32Array.from({ length: M * K }, (_, i) => weight[(i % M) * K + Math.floor(i / M)]) : weight;
      const packed = packWeight(data, shape, 'bf16', transposed);
      expect(packed.dtype).toBe('int32');
      expect(isPackedWeight(packed)).toBe(true);
      const back = await readWeightHost(packed);
      expect(back.shape).toEqual(shape);
      expect(bitsOf(back.data)).toEqual(bitsOf(data));
      const dense = withPortableOps(() => unpackWeight(packed));
      expect(dense.shape).toEqual(shape);
      expect(bitsOf((await dense.data()) as Float32Array)).toEqual(bitsOf(data));
      tf.dispose([packed, dense]);
    }
  });
});

async function runCase(c: Case) {
  const { N, M, K } = c.shape;
  const weight = packWeight(Float32Array.from(c.weight), [M, K], c.format as HalfFormat);
  const x = tf.tensor2d(c.x, [N, K]);
  const dy = tf.tensor2d(c.dy, [N, M]);
  const ids = tf.tensor1d(c.ids, 'int32');
  const before = tf.memory().numTensors;
  const y = packedLinear(x, weight);
  const dx = tf.grad((input: tf.Tensor) => tf.sum(tf.mul(packedLinear(input as tf.Tensor2D, weight), dy)))(x);
  const gathered = packedGather(weight, ids);
  const out = { y: await y.data(), dx: await dx.data(), gathered: await gathered.data() };
  tf.dispose([y, dx, gathered]);
  const leaked = tf.memory().numTensors - before;
  tf.dispose([weight, x, dy, ids]);
  return { ...out, leaked };
}

describe.each(golden.cases.map((c) => [c.name, c] as [string, Case]))('packedLinear and packedGather, %s', (_, c) => {
  it('portable ops match PyTorch (forward, input gradient, gather) without leaking', async () => {
    expect(packedOpsPath()).toBe('portable');
    const got = await runCase(c);
    expect(maxRelError(got.y, c.y)).toBeLessThanOrEqual(TOLERANCE);
    expect(maxRelError(got.dx, c.dx)).toBeLessThanOrEqual(TOLERANCE);
    expect(Array.from(got.gathered)).toEqual(c.gathered);
    expect(got.leaked).toBe(0);
  });

  describe('with the kernels registered (as WebGPU registers them)', () => {
    let kernels: ReturnType<typeof registerPackedCpuKernels>;
    beforeAll(() => (kernels = registerPackedCpuKernels()));
    afterAll(() => kernels.unregister());

    it('dispatches forward, gradient and gather to the kernels by name and still matches PyTorch', async () => {
      expect(packedOpsPath()).toBe('fused');
      kernels.calls.length = 0;
      const got = await runCase(c);
      expect(new Set(kernels.calls)).toEqual(new Set(['PackedLinear', 'PackedLinearGradInput', 'PackedGather']));
      expect(maxRelError(got.y, c.y)).toBeLessThanOrEqual(TOLERANCE);
      expect(maxRelError(got.dx, c.dx)).toBeLessThanOrEqual(TOLERANCE);
      expect(Array.from(got.gathered)).toEqual(c.gathered);
      expect(got.leaked).toBe(0);
    });

    it('runs none of them under withPortableOps', async () => {
      kernels.calls.length = 0;
      const got = await withPortableOps(() => runCase(c));
      expect(kernels.calls).toEqual([]);
      expect(maxRelError(got.y, c.y)).toBeLessThanOrEqual(TOLERANCE);
    });
  });
});

it('refuses a float32 weight and a mismatched input by name', () => {
  const dense = tf.zeros([2, 4]) as tf.Tensor2D;
  expect(() => packedLinear(tf.zeros([1, 4]) as tf.Tensor2D, dense)).toThrow(/packedLinear: the weight \[2,4\] float32 is not a packed weight/);
  const packed = packWeight(new Float32Array(8), [2, 4], 'bf16');
  expect(() => packedLinear(tf.zeros([1, 3]) as tf.Tensor2D, packed)).toThrow(/x \[1,3\] does not fit a weight \[2, 4\]/);
  tf.dispose([dense, packed]);
});
