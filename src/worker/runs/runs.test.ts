import { describe, expect, it } from 'vitest';
import { harness, jsonl } from '../testing/handler-harness';
import { MemoryStorage } from '../datasets/dataset-storage';
import { MemoryRunStorage } from './run-storage';
import { DEFAULT_SETTINGS } from '../../core/train/settings';
import { loadModelFile } from '../../core/io/run-bundle';
import type { RunList, RunSummary } from '../../protocol/messages';

const rows = Array.from({ length: 7 }, (_, i) => ({ prompt: `Q${i}:`, chosen: ` good ${i}`, rejected: ` bad ${i}` }));
const settings = {
  ...DEFAULT_SETTINGS,
  batchSize: 2,
  maxLength: 32,
  maxPromptLength: 16,
  steps: 8,
  evalEvery: 0,
  sampleEvery: 0,
  checkpointEvery: 1,
};

async function ready(storage = new MemoryStorage(), runStorage = new MemoryRunStorage()) {
  const h = harness(storage, runStorage);
  await h.call('init', { preset: 'tiny', seed: 1 });
  await h.call('loadDataset', { name: 'd.jsonl', file: jsonl(rows) });
  return h;
}

const metricSteps = (h: Awaited<ReturnType<typeof ready>>) => h.events('metrics').flatMap((e) => Array.from(e.steps));
const metricValues = (h: Awaited<ReturnType<typeof ready>>, from: number) =>
  h
    .events('metrics')
    .flatMap((e) => Array.from(e.values).filter((_, i) => e.steps[Math.floor(i / (e.values.length / e.steps.length))] >= from));

describe('saved runs', () => {
  it('a run interrupted mid-way resumes after a reload and ends with exactly the uninterrupted metrics', async () => {
    const straight = await ready();
    await straight.call('start', { settings });
    const expected = metricValues(straight, 5);

    const storage = new MemoryStorage();
    const runStorage = new MemoryRunStorage();
    const before = await ready(storage, runStorage);
    await before.call('start', { settings: { ...settings, steps: 4 } });
    // "Reload": a new worker over the same browser storage.
    const after = harness(storage, runStorage);
    await after.call('init', { preset: 'tiny', seed: 1 });
    await after.call('restoreDataset', {});
    const { runs } = await after.call<RunList>('listRuns', {});
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ status: 'completed', step: 4, checkpoint: { step: 4 }, dataset: { name: 'd.jsonl', pairs: 7 } });
    const resumed = await after.call<{ run: RunSummary }>('resumeRun', { id: runs[0].id });
    expect(resumed.run.step).toBe(4);
    expect(metricSteps(after)).toEqual([1, 2, 3, 4]); // the curves so far come back
    const result = await after.call<{ step: number }>('start', { settings });
    expect(result.step).toBe(8);
    expect(metricSteps(after)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]); // continues, not restarts
    expect(metricValues(after, 5)).toEqual(expected);
    const final = (await after.call<RunList>('listRuns', {})).runs;
    expect(final).toHaveLength(1);
    expect(final[0]).toMatchObject({ status: 'completed', step: 8, checkpoint: { step: 8 } });
  });

  it('a run saved before the loss options existed resumes with their defaults, exactly as it would have gone on', async () => {
    const straight = await ready();
    await straight.call('start', { settings });
    const expected = metricValues(straight, 5);

    const storage = new MemoryStorage();
    const runStorage = new MemoryRunStorage();
    const before = await ready(storage, runStorage);
    await before.call('start', { settings: { ...settings, steps: 4 } });
    const [saved] = await runStorage.list();
    // What an older version stored: settings without the options this version added.
    const old = { ...saved.settings } as Record<string, unknown>;
    for (const key of ['discopopTau', 'fDivergenceType', 'fAlphaDivergenceCoef', 'useWeighting', 'ldAlpha']) delete old[key];
    await runStorage.put({ ...saved, settings: old as unknown as typeof saved.settings });

    const after = harness(storage, runStorage);
    await after.call('init', { preset: 'tiny', seed: 1 });
    await after.call('restoreDataset', {});
    const resumed = await after.call<{ run: RunSummary }>('resumeRun', { id: saved.id });
    expect(resumed.run.settings).toMatchObject({ fDivergenceType: 'reverse_kl', fAlphaDivergenceCoef: 0.5, discopopTau: 0.05, useWeighting: false, ldAlpha: null });
    await after.call('start', { settings: { ...resumed.run.settings, steps: 8 } });
    expect(metricValues(after, 5)).toEqual(expected);
  });

  it('keeps training in memory when storage is full, and says so once', async () => {
    const runStorage = new MemoryRunStorage();
    runStorage.quotaBytes = 1000;
    const h = await ready(new MemoryStorage(), runStorage);
    expect((await h.call<{ step: number }>('start', { settings: { ...settings, steps: 4 } })).step).toBe(4);
    const notices = h.events('notice');
    expect(notices).toHaveLength(1);
    expect(notices[0].message).toMatch(/browser storage is full\. Training goes on in memory; delete old runs/);
    const { runs } = await h.call<RunList>('listRuns', {});
    expect(runs[0].checkpoint).toBeNull();
  });

  it('a corrupt checkpoint is refused with a clear message and the run list still works', async () => {
    const runStorage = new MemoryRunStorage();
    const h = await ready(new MemoryStorage(), runStorage);
    await h.call('start', { settings: { ...settings, steps: 2 } });
    const [run] = (await h.call<RunList>('listRuns', {})).runs;
    const good = await runStorage.checkpoint(run.id);
    await runStorage.putWithCheckpoint((await runStorage.get(run.id))!, good!.slice(0, 100));
    await expect(h.call('resumeRun', { id: run.id })).rejects.toMatchObject({
      code: 'bad-file',
      message: expect.stringMatching(/checkpoint: the file is damaged .*cannot be resumed/),
    });
    expect((await h.call<RunList>('listRuns', {})).runs[0].name).toBe(run.name);
  });

  it('renames, exports and deletes runs; overlays come from their curves', async () => {
    const h = await ready();
    await h.call('start', { settings: { ...settings, steps: 2 } });
    await h.call('start', { settings: { ...settings, steps: 3, seed: 7 } }); // a new seed: a second run
    let { runs } = await h.call<RunList>('listRuns', {});
    expect(runs).toHaveLength(2);
    ({ runs } = await h.call<RunList>('renameRun', { id: runs[1].id, name: '  first try ' }));
    expect(runs.map((r) => r.name)).toContain('first try');
    const first = runs.find((r) => r.name === 'first try')!;
    const curves = await h.call<{ runs: { id: string; steps: number[] }[] }>('runHistory', { ids: runs.map((r) => r.id) });
    expect(curves.runs.map((c) => c.steps.length).sort()).toEqual([2, 3]);
    const exported = await h.call<{ fileName: string; zip: ArrayBuffer }>('exportRun', { id: first.id, appVersion: 'test' });
    expect(exported.fileName).toBe('first-try-step2.zip');
    expect(loadModelFile(exported.fileName, new Uint8Array(exported.zip)).run?.step).toBe(2);
    await expect(h.call('deleteRun', { id: runs.find((r) => r.id !== first.id)!.id })).rejects.toMatchObject({ code: 'busy' }); // the current run
    expect((await h.call<RunList>('deleteRun', { id: first.id })).runs).toHaveLength(1);
  });
  it('a LoRA run resumes from its checkpoint and exports from the list as the merged model', async () => {
    const lora = { ...settings, lora: { rank: 2, alpha: 4, dropout: 0, targets: ['c_attn' as const] }, learningRate: 1e-2 };
    const storage = new MemoryStorage();
    const runStorage = new MemoryRunStorage();
    const before = await ready(storage, runStorage);
    await before.call('start', { settings: { ...lora, steps: 3 } });
    const after = harness(storage, runStorage);
    await after.call('init', { preset: 'tiny', seed: 1 });
    await after.call('restoreDataset', {});
    const [run] = (await after.call<RunList>('listRuns', {})).runs;
    await after.call('resumeRun', { id: run.id });
    expect((await after.call<{ step: number }>('start', { settings: { ...lora, steps: 5 } })).step).toBe(5);
    const exported = await after.call<{ zip: ArrayBuffer }>('exportRun', { id: run.id, appVersion: 'test' });
    const model = loadModelFile('run.zip', new Uint8Array(exported.zip));
    // A full model (adapters merged in), not the adapters alone.
    expect(model.weights.get('wte.weight')?.shape).toEqual([258, 32]);
    expect(model.weights.has('h.0.attn.c_attn.lora_A.weight')).toBe(false);
  });
});
