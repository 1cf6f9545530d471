/**
 * WebGPU kernels for core's fused causal attention (src/core/ops/attention.ts states the
 * contract), FlashAttention-style: no [T, T] score tensor ever exists.
 *
 * Forward: one workgroup per (batch, head, tile of ROWS queries), one thread per query
 * row. Key/value tiles are staged in workgroup memory; each row keeps a running max m, a running
 * sum l and an unnormalised output, rescaled by exp(m_old − m_new) once per tile (online
 * softmax). Only key tiles at or before the query tile are visited (causal). It writes o and
 * lse = m + log l.
 * Backward (FlashAttention-2's split): D = rowsum(dO ∘ O) first; then dQ with one thread per
 * query row over key tiles, and dK, dV with one thread per key row over query tiles at or after
 * it, looping over the g query heads of its K/V group, so grouped K/V heads are read once and
 * their gradients need no atomics. p = exp(scale · q·k − lse) is recomputed from the saved lse.
 *
 * Barriers must sit in uniform control flow, and the backend hands workgroup ids over through
 * private variables that WGSL's uniformity analysis cannot see through: each tile loop's bound
 * is broadcast with workgroupUniformLoad. Workgroup memory stays under WebGPU's default 16 KiB.
 * The backward is in causal-attention-grad.ts, what both share in causal-attention-tiles.ts.
 */
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { CAUSAL_ATTENTION_KERNEL } from '../../core/ops/attention';
import { copyOut, keyTile, ROWS, TiledProgram, WORKGROUP_INDEX, type Args } from './causal-attention-tiles';

/** Packed output: o [B, H, T, hd] then lse [B, H, T]. */
class ForwardProgram extends TiledProgram {
  variableNames = ['q', 'k', 'v'];
  private readonly headDim: number;

  constructor(batch: number, heads: number, length: number, headDim: number) {
    const rows = batch * heads * length;
    super([rows * headDim + rows], batch * heads * Math.ceil(length / ROWS), `causalAttentionForward_${headDim}_${keyTile(headDim)}`);
    this.headDim = headDim;
  }

  getUserCode(): string {
    const HD = this.headDim;
    const KT = keyTile(HD);
    return `
      const HD = ${HD};
      const KT = ${KT};
      var<workgroup> kTile : array<f32, ${KT * HD}>;
      var<workgroup> vTile : array<f32, ${KT * HD}>;
      var<workgroup> keyEndShared : i32;
      fn main(index : i32) {
        let heads = uniforms.qShape.y;
        let T = uniforms.qShape.z;
        let group = heads / uniforms.kShape.y;
        let tiles = (T + ${ROWS} - 1) / ${ROWS};
        let tid = i32(localId.x);
        let wg = ${WORKGROUP_INDEX};
        let valid = wg < uniforms.qShape.x * heads * tiles; // a reshaped dispatch may add workgroups
        let bh = min(wg / tiles, uniforms.qShape.x * heads - 1);
        let row = (wg % tiles) * ${ROWS} + tid;
        let rowValid = valid && row < T;
        let b = bh / heads;
        let kvBase = (b * uniforms.kShape.y + (bh % heads) / group) * T * HD;
        let qBase = (bh * T + min(row, T - 1)) * HD;

        var qRow : array<f32, ${HD}>;
        var acc : array<f32, ${HD}>;
        for (var d = 0; d < HD; d++) {
          qRow[d] = q[qBase + d] * uniforms.scale;
          acc[d] = 0.0;
        }
        var m = -3.402823e+38f;
        var l = 0.0;
        if (tid == 0) {
          keyEndShared = select(0, min((wg % tiles) * ${ROWS} + ${ROWS}, T), valid);
        }
        let keyTiles = (workgroupUniformLoad(&keyEndShared) + KT - 1) / KT;
        for (var kt = 0; kt < keyTiles; kt++) {
          let k0 = kt * KT;
          for (var e = tid; e < KT * HD; e += ${ROWS}) {
            let src = kvBase + min(k0 + e / HD, T - 1) * HD + e % HD;
            kTile[e] = k[src];
            vTile[e] = v[src];
          }
          workgroupBarrier();
          if (rowValid && k0 <= row) {
            var s : array<f32, KT>;
            var tileMax = m;
            for (var c = 0; c < KT; c++) {
              var dotv = 0.0;
              for (var d = 0; d < HD; d++) {
                dotv += qRow[d] * kTile[c * HD + d];
              }
              s[c] = dotv;
              if (k0 + c <= row) {
                tileMax = max(tileMax, dotv);
              }
            }
            let correction = exp(m - tileMax);
            l *= correction;
            for (var d = 0; d < HD; d++) {
              acc[d] *= correction;
            }
            for (var c = 0; c < KT; c++) {
              if (k0 + c <= row) {
                let p = exp(s[c] - tileMax);
                l += p;
                for (var d = 0; d < HD; d++) {
                  acc[d] += p * vTile[c * HD + d];
                }
              }
            }
            m = tileMax;
          }
          workgroupBarrier();
        }
        if (rowValid) {
          let outBase = (bh * T + row) * HD;
          for (var d = 0; d < HD; d++) {
            setOutputAtIndex(outBase + d, acc[d] / l);
          }
          setOutputAtIndex(uniforms.qShape.x * heads * T * HD + bh * T + row, m + log(l));
        }
      }
    `;
  }
}

function causalAttentionWebGpu({ inputs, backend, attrs }: Args<'q' | 'k' | 'v'>): TensorInfo[] {
  const { q, k, v } = inputs;
  const [batch, heads, length, headDim] = q.shape;
  const scale = [{ type: 'float32', data: [attrs.scale] }];
  const packed = backend.runWebGPUProgram(new ForwardProgram(batch, heads, length, headDim), [q, k, v], 'float32', scale);
  const o = copyOut(backend, packed, 0, q.shape);
  const lse = copyOut(backend, packed, batch * heads * length * headDim, [batch, heads, length]);
  backend.disposeData(packed.dataId);
  return [o, lse];
}

export const causalAttentionConfig: KernelConfig = {
  kernelName: CAUSAL_ATTENTION_KERNEL,
  backendName: 'webgpu',
  kernelFunc: causalAttentionWebGpu as unknown as KernelFunc,
};

