import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { harness, jsonl } from './testing/handler-harness';
import { PROTOCOL_VERSION } from '../protocol/messages';
import { DEFAULT_SETTINGS } from '../core/train/settings';
import { forwardMetrics, metricAt, METRIC_COUNT } from '../core/train/metric-names';
import { loadModelFile } from '../core/io/run-bundle';
import { strFromU8, unzipSync } from 'fflate';

const rows = Array.from({ length: 6 }, (_, i) => ({ prompt: `Q${i}:`, chosen: ` good ${i}`, rejected: ` bad ${i}` }));
const settings = { ...DEFAULT_SETTINGS, batchSize: 2, maxLength: 32, maxPromptLength: 16, steps: 3 };

describe('worker handler', () => {
  it('trains, streams metric deltas, exports a zip that reloads', async () => {
    const { messages, call } = harness();
    await call('init', { preset: 'tiny', seed: 1 });
    const { kind, summary, library } = await call<{ kind: string; summary: { pairs: number; problems: unknown[] }; library: unknown[] }>(
      'loadDataset',
      {
        name: 'd.jsonl',
        file: jsonl([...rows, { prompt: 'x' }]),
      },
    );
    expect(kind).toBe('loaded');
    expect(summary.pairs).toBe(6);
    expect(summary.problems).toHaveLength(1);
    expect(library).toEqual([expect.objectContaining({ name: 'd.jsonl', count: 6 })]); // saved

    const result = await call<{ step: number }>('start', { settings });
    expect(result.step).toBe(3);
    const metricEvents = messages.flatMap((m) => (m.kind === 'event' && m.event.type === 'metrics' ? [m.event] : []));
    const steps = metricEvents.flatMap((e) => Array.from(e.steps));
    expect(steps).toEqual([1, 2, 3]); // each step sent once: deltas, not history
    expect(metricEvents.every((e) => e.values.length === e.steps.length * METRIC_COUNT)).toBe(true);
    expect(metricAt(metricEvents[0].values, 0, 'loss')).toBeCloseTo(Math.LN2, 5);

    // Continue with a new β to step 5: the step count carries on.
    expect((await call<{ step: number }>('start', { settings: { ...settings, beta: 0.5, steps: 5 } })).step).toBe(5);

    const exported = await call<{ fileName: string; zip: ArrayBuffer }>('exportWeights', { settings, appVersion: 'test' });
    expect(exported.fileName).toContain('step5');
    const info = await call<{ step: number; source: string }>('importWeights', { name: exported.fileName, bytes: exported.zip });
    expect(info.step).toBe(5);
    expect(loadModelFile('x', new Uint8Array(exported.zip)).run?.settings).toMatchObject({ beta: 0.1 });
  });

  it('refuses bad settings with code and field, and keeps the dataset after a bad file', async () => {
    const { call } = harness();
    await call('init', { preset: 'tiny', seed: 1 });
    await call('loadDataset', { name: 'd.jsonl', file: jsonl(rows) });
    await expect(call('start', { settings: { ...settings, beta: 0 } })).rejects.toMatchObject({ code: 'bad-setting', field: 'beta' });
    await expect(call('loadDataset', { name: 'bad.jsonl', file: jsonl([{ chosen: 3, rejected: 'x' }]) })).rejects.toMatchObject({
      code: 'bad-file',
    });
    expect((await call<{ step: number }>('start', { settings: { ...settings, steps: 1 } })).step).toBe(1);
  });

  it('streams a dataset given as a Blob, reporting progress', async () => {
    const { messages, call } = harness();
    await call('init', { preset: 'tiny', seed: 1 });
    const file = new Blob([jsonl(rows)]);
    const { summary } = await call<{ summary: { pairs: number } }>('loadDataset', { name: 'd.jsonl', file, role: 'train' });
    expect(summary.pairs).toBe(6);
    const progress = messages.flatMap((m) => (m.kind === 'event' && m.event.type === 'loadProgress' ? [m.event] : []));
    expect(progress.at(-1)).toMatchObject({ name: 'd.jsonl', done: file.size, total: file.size });
  });

  it('a file with other column names asks for a mapping, then loads with it', async () => {
    const { call } = harness();
    await call('init', { preset: 'tiny', seed: 1 });
    const other = jsonl([{ question: 'q', good: 'a', bad: 'b' }]);
    expect(await call('loadDataset', { name: 'o.jsonl', file: other })).toEqual({
      kind: 'needsMapping',
      columns: ['question', 'good', 'bad'],
      sample: { question: '"q"', good: '"a"', bad: '"b"' },
    });
    const mapping = { kind: 'columns', prompt: 'question', chosen: 'good', rejected: 'bad' };
    await call('loadDataset', { name: 'o.jsonl', file: jsonl([{ question: 'q', good: 'a', bad: 'b' }]), mapping });
    const { rows: shown } = await call<{ rows: { pair: unknown }[] }>('queryPairs', { query: '', offset: 0, limit: 10 });
    expect(shown.map((r) => r.pair)).toEqual([{ prompt: 'q', chosen: 'a', rejected: 'b' }]);
  });

  it('a separate held-out file replaces the split and is evaluated', async () => {
    const { messages, call } = harness();
    await call('init', { preset: 'tiny', seed: 1 });
    await call('loadDataset', { name: 'd.jsonl', file: jsonl(rows), role: 'train' });
    const held = await call<{ summary: { pairs: number } }>('loadDataset', {
      name: 'held.jsonl',
      file: jsonl(rows.slice(0, 2)),
      role: 'eval',
    });
    expect(held.summary.pairs).toBe(2);
    await call('start', { settings: { ...settings, steps: 2, evalEvery: 1 } });
    const evals = messages.flatMap((m) => (m.kind === 'event' && m.event.type === 'evalMetrics' ? [m.event] : []));
    expect(evals.map((e) => e.step)).toEqual([0, 1, 2]);
    expect(forwardMetrics(evals[0].values).loss).toBeCloseTo(Math.LN2, 5); // policy = reference before the first step
  });

  it('trains on pairs labelled one by one, and samples two completions to compare', async () => {
    const { call } = harness();
    await call('init', { preset: 'tiny', seed: 1 });
    await expect(call('start', { settings })).rejects.toMatchObject({ code: 'no-dataset' });
    await expect(call('addPair', { pair: rows[0] })).rejects.toThrow(/no dataset is loaded/);
    await call('loadDataset', { name: 'seed.jsonl', file: jsonl(rows.slice(4, 5)), role: 'train' });
    for (const pair of rows.slice(0, 3)) await call('addPair', { pair });
    await expect(call('deletePair', { index: 0 })).resolves.toMatchObject({ summary: { pairs: 3 } });
    await call('addPair', { pair: rows[3] });
    const found = await call<{ matches: number; rows: { index: number }[] }>('queryPairs', { query: 'GOOD 3', offset: 0, limit: 5 });
    expect([found.matches, found.rows[0].index]).toEqual([1, 3]);
    expect((await call<{ step: number }>('start', { settings: { ...settings, steps: 1, evalFraction: 0 } })).step).toBe(1);
    const options = { maxNewTokens: 5, temperature: 1, topK: 0, topP: 1 };
    const { completions } = await call<{ completions: string[] }>('sampleTwo', { prompt: 'Q:', options, seed: 3 });
    expect(completions).toHaveLength(2);
    expect(completions[0]).not.toBe(completions[1]); // two draws, not one repeated
    const again = await call<{ completions: string[] }>('sampleTwo', { prompt: 'Q:', options, seed: 3 });
    expect(again.completions).toEqual(completions); // seeded
  });

  it('a run whose loss becomes NaN stops as diverged, saying what to change', async () => {
    const { call } = harness();
    await call('init', { preset: 'tiny', seed: 1 });
    await call('loadDataset', { name: 'd.jsonl', file: jsonl(rows) });
    const result = await call<{ step: number; diverged: { step: number; metric: string; message: string } }>('start', {
      settings: { ...settings, steps: 200, learningRate: 1e30, maxGradNorm: 0, evalFraction: 0 },
    });
    expect(result.diverged).toMatchObject({ step: 2, metric: 'loss' });
    expect(result.diverged.message).toMatch(/Lower the learning rate \(now 1e\+30\)/);
    expect(result.step).toBeLessThan(200);
    const exported = await call<{ zip: ArrayBuffer }>('exportWeights', { settings, appVersion: 'test' });
    // run.json records it; the NaN weights themselves are refused if loaded back.
    const files = unzipSync(new Uint8Array(exported.zip));
    expect(JSON.parse(strFromU8(files['run.json']))).toMatchObject({ status: 'diverged', diverged: { step: 2 } });
    expect(() => loadModelFile('x', new Uint8Array(exported.zip))).toThrow(/holds NaN/);
  });

  it('transfers only the fields the protocol declares: metric deltas and export bytes, nothing else', async () => {
    const { messages, transferred, call } = harness();
    await call('init', { preset: 'tiny', seed: 1 });
    await call('loadDataset', { name: 'd.jsonl', file: jsonl(rows) });
    await call('start', { settings: { ...settings, steps: 2, evalEvery: 1, sampleEvery: 1, maxNewTokens: 2 } });
    await call('exportWeights', { settings, appVersion: 'test' });
    const byKind = (kind: string) => messages.flatMap((m, i) => ((m.kind === 'event' ? m.event.type : `${m.kind}`) === kind ? [transferred[i]] : []));
    expect(byKind('metrics').every((n) => n === 2)).toBe(true); // steps and values
    for (const kind of ['evalMetrics', 'samples', 'status', 'runStarted']) expect(byKind(kind).every((n) => n === 0), kind).toBe(true);
    expect(byKind('evalMetrics').length).toBeGreaterThan(0);
    expect(transferred.at(-1)).toBe(1); // the export's zip
    expect(transferred.reduce((a, b) => a + b, 0)).toBe(2 * byKind('metrics').length + 1);
  });

  it('stops between steps when asked', async () => {
    const { call, handle, eventWhen } = harness();
    await call('init', { preset: 'tiny', seed: 1 });
    await call('loadDataset', { name: 'd.jsonl', file: jsonl(rows) });
    const running = call<{ step: number; stopped: boolean }>('start', { settings: { ...settings, steps: 1000 } });
    await eventWhen('metrics'); // the run has taken a step
    await handle({ v: PROTOCOL_VERSION, id: 999, type: 'stop', params: {} });
    const result = await running;
    expect(result.stopped).toBe(true);
    expect(result.step).toBeLessThan(1000);
    expect(result.step).toBeGreaterThan(0);
    expect(tf.getBackend()).toBe('cpu');
  });

  it('a test hold keeps a run at its step, everything trained so far read back, until it is stopped', async () => {
    const { call, handle, eventWhen, events } = harness();
    await call('init', { preset: 'tiny', seed: 1, testHoldAtStep: 3 });
    await call('loadDataset', { name: 'd.jsonl', file: jsonl(rows) });
    const running = call<{ step: number; stopped: boolean }>('start', { settings: { ...settings, steps: 1000, evalEvery: 0, sampleEvery: 0 } });
    // The held step's metrics come out before the run waits: no timing involved.
    await eventWhen('metrics', (e) => e.steps.includes(3));
    await handle({ v: PROTOCOL_VERSION, id: 999, type: 'stop', params: {} });
    expect(await running).toEqual({ step: 3, stopped: true });
    expect(events('metrics').flatMap((e) => Array.from(e.steps))).toEqual([1, 2, 3]);
  });
});
