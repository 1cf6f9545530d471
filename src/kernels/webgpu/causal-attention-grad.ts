/**
 * The backward WebGPU kernel of core's fused causal attention (the contract is in
 * src/core/ops/attention.ts; the forward and the scheme in causal-attention.ts): FlashAttention-2's
 * split, D = rowsum(dO ∘ O), then dQ per query tile and dK, dV per key tile, with
 * p = exp(scale · q·k − lse) recomputed from the forward's saved log-sum-exp.
 */
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { webgpu_util, type WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import { CAUSAL_ATTENTION_GRAD_KERNEL } from '../../core/ops/attention';
import { copyOut, keyTile, queryTile, ROWS, TiledProgram, WORKGROUP_INDEX, type Args } from './causal-attention-tiles';

/** D[b, h, i] = Σ_d dy[b, h, i, d] · o[b, h, i, d]: one thread per row. */
class RowDotProgram implements WebGPUProgram {
  variableNames = ['o', 'dy'];
  outputShape: number[];
  shaderKey = 'causalAttentionRowDot';
  dispatchLayout = { x: [0] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [64, 1, 1];
  size = true;

  constructor(rows: number) {
    this.outputShape = [rows];
    this.dispatch = webgpu_util.computeDispatch(this.dispatchLayout, this.outputShape, this.workgroupSize);
  }

  getUserCode(): string {
    return `
      fn main(index : i32) {
        if (index < uniforms.size) {
          let hd = uniforms.oShape.w;
          var total = 0.0;
          for (var d = 0; d < hd; d++) {
            total += o[index * hd + d] * dy[index * hd + d];
          }
          setOutputAtIndex(index, total);
        }
      }
    `;
  }
}

/** dq [B, H, T, hd]: one thread per query row over the key tiles at or before its tile. */
class GradQueryProgram extends TiledProgram {
  variableNames = ['q', 'k', 'v', 'lse', 'delta', 'dy'];
  private readonly headDim: number;

  constructor(batch: number, heads: number, length: number, headDim: number) {
    super([batch, heads, length, headDim], batch * heads * Math.ceil(length / ROWS), `causalAttentionGradQ_${headDim}_${keyTile(headDim)}`);
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
        let valid = wg < uniforms.qShape.x * heads * tiles;
        let bh = min(wg / tiles, uniforms.qShape.x * heads - 1);
        let row = (wg % tiles) * ${ROWS} + tid;
        let rowValid = valid && row < T;
        let b = bh / heads;
        let kvBase = (b * uniforms.kShape.y + (bh % heads) / group) * T * HD;
        let rowIndex = bh * T + min(row, T - 1);

        var qRow : array<f32, ${HD}>;
        var dyRow : array<f32, ${HD}>;
        var dq : array<f32, ${HD}>;
        for (var d = 0; d < HD; d++) {
          qRow[d] = q[rowIndex * HD + d] * uniforms.scale;
          dyRow[d] = dy[rowIndex * HD + d];
          dq[d] = 0.0;
        }
        let rowLse = lse[rowIndex];
        let rowDelta = delta[rowIndex];
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
          if (rowValid) {
            for (var c = 0; c < KT; c++) {
              if (k0 + c <= row) {
                var s = 0.0;
                var dp = 0.0;
                for (var d = 0; d < HD; d++) {
                  s += qRow[d] * kTile[c * HD + d];
                  dp += dyRow[d] * vTile[c * HD + d];
                }
                let ds = exp(s - rowLse) * (dp - rowDelta);
                for (var d = 0; d < HD; d++) {
                  dq[d] += ds * kTile[c * HD + d];
                }
              }
            }
          }
          workgroupBarrier();
        }
        if (rowValid) {
          for (var d = 0; d < HD; d++) {
            setOutputAtIndex(rowIndex * HD + d, dq[d] * uniforms.scale);
          }
        }
      }
    `;
  }
}

/** Packed output: dk then dv, each [B, KV, T, hd]. One thread per key row, over the g heads of its group. */
class GradKeyValueProgram extends TiledProgram {
  variableNames = ['q', 'k', 'v', 'lse', 'delta', 'dy'];
  private readonly headDim: number;

  constructor(batch: number, kvHeads: number, length: number, headDim: number) {
    const size = batch * kvHeads * length * headDim;
    super([2 * size], batch * kvHeads * Math.ceil(length / ROWS), `causalAttentionGradKV_${headDim}_${queryTile(headDim)}`);
    this.headDim = headDim;
  }

  getUserCode(): string {
    const HD = this.headDim;
    const QT = queryTile(HD);
    return `
      const HD = ${HD};
      const QT = ${QT};
      var<workgroup> qTile : array<f32, ${QT * HD}>;
      var<workgroup> dyTile : array<f32, ${QT * HD}>;
      var<workgroup> lseTile : array<f32, ${QT}>;
      var<workgroup> deltaTile : array<f32, ${QT}>;
      var<workgroup> firstTileShared : i32;
      fn main(index : i32) {
        let heads = uniforms.qShape.y;
        let kvHeads = uniforms.kShape.y;
        let T = uniforms.qShape.z;
        let group = heads / kvHeads;
        let tiles = (T + ${ROWS} - 1) / ${ROWS};
        let tid = i32(localId.x);
        let wg = ${WORKGROUP_INDEX};
        let valid = wg < uniforms.kShape.x * kvHeads * tiles;
        let bkv = min(wg / tiles, uniforms.kShape.x * kvHeads - 1);
        let key0 = (wg % tiles) * ${ROWS};
        let key = key0 + tid;
        let keyValid = valid && key < T;
        let keyIndex = bkv * T + min(key, T - 1);
        let b = bkv / kvHeads;
        let firstHead = (bkv % kvHeads) * group;

        var kRow : array<f32, ${HD}>;
        var vRow : array<f32, ${HD}>;
        var dk : array<f32, ${HD}>;
        var dv : array<f32, ${HD}>;
        for (var d = 0; d < HD; d++) {
          kRow[d] = k[keyIndex * HD + d] * uniforms.scale;
          vRow[d] = v[keyIndex * HD + d];
          dk[d] = 0.0;
          dv[d] = 0.0;
        }
        if (tid == 0) {
          firstTileShared = select((T + QT - 1) / QT, key0 / QT, valid);
        }
        let firstTile = workgroupUniformLoad(&firstTileShared);
        let queryTiles = (T + QT - 1) / QT;
        for (var r = 0; r < group; r++) {
          let rowBase = (b * heads + firstHead + r) * T;
          for (var qt = firstTile; qt < queryTiles; qt++) {
            let i0 = qt * QT;
            for (var e = tid; e < QT * HD; e += ${ROWS}) {
              let src = (rowBase + min(i0 + e / HD, T - 1)) * HD + e % HD;
              qTile[e] = q[src];
              dyTile[e] = dy[src];
            }
            for (var e = tid; e < QT; e += ${ROWS}) {
              lseTile[e] = lse[rowBase + min(i0 + e, T - 1)];
              deltaTile[e] = delta[rowBase + min(i0 + e, T - 1)];
            }
            workgroupBarrier();
            if (keyValid) {
              for (var c = 0; c < QT; c++) {
                let i = i0 + c;
                if (i >= key && i < T) {
                  var s = 0.0;
                  var dp = 0.0;
                  for (var d = 0; d < HD; d++) {
                    s += qTile[c * HD + d] * kRow[d];
                    dp += dyTile[c * HD + d] * vRow[d];
                  }
                  let p = exp(s - lseTile[c]);
                  let ds = p * (dp - deltaTile[c]);
                  for (var d = 0; d < HD; d++) {
                    dv[d] += p * dyTile[c * HD + d];
                    dk[d] += ds * qTile[c * HD + d];
                  }
                }
              }
            }
            workgroupBarrier();
          }
        }
        if (keyValid) {
          let dvOffset = uniforms.kShape.x * kvHeads * T * HD;
          for (var d = 0; d < HD; d++) {
            setOutputAtIndex(keyIndex * HD + d, dk[d] * uniforms.scale);
            setOutputAtIndex(dvOffset + keyIndex * HD + d, dv[d]);
          }
        }
      }
    `;
  }
}

function causalAttentionGradWebGpu({ inputs, backend, attrs }: Args<'q' | 'k' | 'v' | 'o' | 'lse' | 'dy'>): TensorInfo[] {
  const { q, k, v, o, lse, dy } = inputs;
  const [batch, heads, length, headDim] = q.shape;
  const kvHeads = k.shape[1];
  const scale = [{ type: 'float32', data: [attrs.scale] }];
  const delta = backend.runWebGPUProgram(new RowDotProgram(batch * heads * length), [o, dy], 'float32');
  const gradInputs = [q, k, v, lse, delta, dy];
  const dq = backend.runWebGPUProgram(new GradQueryProgram(batch, heads, length, headDim), gradInputs, 'float32', scale);
  const packed = backend.runWebGPUProgram(new GradKeyValueProgram(batch, kvHeads, length, headDim), gradInputs, 'float32', scale);
  const dk = copyOut(backend, packed, 0, k.shape);
  const dv = copyOut(backend, packed, batch * kvHeads * length * headDim, k.shape);
  backend.disposeData(packed.dataId);
  backend.disposeData(delta.dataId);
  return [dq, dk, dv];
}

export const causalAttentionGradConfig: KernelConfig = {
  kernelName: CAUSAL_ATTENTION_GRAD_KERNEL,
  backendName: 'webgpu',
  kernelFunc: causalAttentionGradWebGpu as unknown as KernelFunc,
};
