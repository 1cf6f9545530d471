import type { HostWeights } from '../model/gpt-weights';
import { entryToFloat32, float32Entry, readSafetensors, writeSafetensors, type SafetensorsEntry } from '../io/safetensors';
import type { TrainerSnapshot } from './trainer';

/** Metadata key of the checkpoint's JSON part (step, data position, and the caller's run info). */
const KEY = 'dpo_studio_checkpoint';
const GROUPS = ['policy', 'reference', 'base', 'optimizer.m', 'optimizer.v'] as const;

/**
 * A training checkpoint as one safetensors file: tensors named `policy.*`, `reference.*`, `base.*` (LoRA),
 * `optimizer.m.*`, `optimizer.v.*` and `data.order` (I32), plus JSON metadata. `run` is the
 * caller's (settings, metrics so far, …), stored as is.
 */
export function encodeCheckpoint(snapshot: TrainerSnapshot, run: unknown): Uint8Array {
  const tensors = new Map<string, SafetensorsEntry>();
  const add = (group: string, weights: HostWeights | null) => {
    for (const [name, { shape, data }] of weights ?? []) tensors.set(`${group}.${name}`, float32Entry(shape, data));
  };
  add('policy', snapshot.policy);
  add('reference', snapshot.reference);
  add('base', snapshot.base ?? null);
  add('optimizer.m', snapshot.optimizer.m);
  add('optimizer.v', snapshot.optimizer.v);
  const order = Int32Array.from(snapshot.data.order);
  tensors.set('data.order', { dtype: 'I32', shape: [order.length], bytes: new Uint8Array(order.buffer) });
  const meta = {
    format: 1,
    step: snapshot.step,
    optimizerSteps: snapshot.optimizer.steps,
    cursor: snapshot.data.cursor,
    rng: snapshot.data.rng,
    run,
  };
  return writeSafetensors(tensors, { [KEY]: JSON.stringify(meta) });
}

export class CheckpointError extends Error {
  constructor(message: string) {
    super(`checkpoint: ${message}`);
    this.name = 'CheckpointError';
  }
}

/** Reads a checkpoint back, checking its structure; every failure names what is wrong. */
export function decodeCheckpoint(bytes: Uint8Array): { snapshot: TrainerSnapshot; run: unknown } {
  let file;
  try {
    file = readSafetensors(bytes);
  } catch (error) {
    throw new CheckpointError(`the file is damaged (${(error as Error).message})`);
  }
  let meta: { format?: unknown; step?: unknown; optimizerSteps?: unknown; cursor?: unknown; rng?: unknown; run?: unknown };
  try {
    meta = JSON.parse(file.metadata[KEY] ?? 'null') ?? {};
  } catch {
    throw new CheckpointError('its metadata is not valid JSON');
  }
  if (meta.format !== 1) throw new CheckpointError(`not a DPO Studio checkpoint (format ${String(meta.format)})`);
  for (const key of ['step', 'optimizerSteps', 'cursor', 'rng'] as const) {
    if (!Number.isInteger(meta[key]) || (meta[key] as number) < 0) throw new CheckpointError(`${key} is missing or not a whole number`);
  }
  const groups: Record<(typeof GROUPS)[number], HostWeights> = {
    policy: new Map(),
    reference: new Map(),
    base: new Map(),
    'optimizer.m': new Map(),
    'optimizer.v': new Map(),
  };
  for (const [name, entry] of file.tensors) {
    if (name === 'data.order') continue;
    const group = GROUPS.find((g) => name.startsWith(`${g}.`));
    if (!group) throw new CheckpointError(`unexpected tensor "${name}"`);
    const data = entryToFloat32(name, entry);
    groups[group].set(name.slice(group.length + 1), { shape: entry.shape, data });
  }
  const orderEntry = file.tensors.get('data.order');
  if (!orderEntry || orderEntry.dtype !== 'I32') throw new CheckpointError('data.order is missing or not I32');
  const order = Array.from(new Int32Array(new Uint8Array(orderEntry.bytes).buffer));
  if (order.some((i) => i < 0)) throw new CheckpointError('data.order holds a negative index');
  if (groups.policy.size === 0) throw new CheckpointError('it holds no policy weights');
  return {
    snapshot: {
      step: meta.step as number,
      policy: groups.policy,
      reference: groups.reference.size > 0 ? groups.reference : null,
      base: groups.base.size > 0 ? groups.base : null,
      optimizer: { steps: meta.optimizerSteps as number, m: groups['optimizer.m'], v: groups['optimizer.v'] },
      data: { order, cursor: meta.cursor as number, rng: meta.rng as number },
    },
    run: meta.run,
  };
}
