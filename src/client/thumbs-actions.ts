/**
 * Thumbs up / down on one sampled completion: each verdict adds an unpaired row
 * ({prompt, completion, label}) to the active dataset, which a KTO stage trains on.
 */
import type { UnpairedExample } from '../core/data/unpaired';
import { useStore } from '../state/store';
import { guarded, worker } from './connection';
import { show } from './dataset-actions';

let queued: { prompt: string; completions: Promise<string[]> } | null = null;
let draws = 0;

/** Two completions per worker call: the second is the next one shown, so a verdict rarely waits. */
function drawSamples(prompt: string): Promise<string[]> {
  const { settings } = useStore.getState();
  const options = { maxNewTokens: settings.maxNewTokens, temperature: Math.max(settings.temperature, 0.7), topK: settings.topK, topP: settings.topP };
  return worker()
    .call('sampleTwo', { prompt, options, seed: settings.seed + 7919 + draws++ })
    .then((r) => [...r.completions]);
}

/** The next completion of `prompt` to judge, or undefined when sampling failed (the error is shown). */
export async function nextSingleSample(prompt: string): Promise<string | undefined> {
  return guarded(async () => {
    if (queued?.prompt !== prompt) queued = { prompt, completions: drawSamples(prompt) };
    const waiting = await queued.completions;
    const completion = waiting.shift()!;
    queued = waiting.length > 0 ? { prompt, completions: Promise.resolve(waiting) } : { prompt, completions: drawSamples(prompt) };
    queued.completions.catch(() => (queued = null));
    return completion;
  });
}

/** Adds the row; true when it was added. */
export async function addThumb(row: UnpairedExample): Promise<boolean> {
  const added = await guarded(async () => {
    show(await worker().call('addUnpaired', { row }));
    return true;
  });
  return added ?? false;
}

export async function undoThumb(): Promise<void> {
  await guarded(async () => show(await worker().call('removeLastUnpaired', {})));
}
