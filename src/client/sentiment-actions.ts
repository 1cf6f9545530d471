/** The sentiment demo's buttons: worker calls, results into the store. */
import { metricAt, metricRowCount } from '../core/train/metric-names';
import type { WorkerEvent } from '../protocol/messages';
import { useStore } from '../state/store';
import { guarded, worker } from './connection';

/** The shipped SFT checkpoint (stage 1, made by `npm run build:demo`), served beside the app. */
export const SHIPPED_SFT_URL = `${import.meta.env.BASE_URL}demo/sentiment/model.safetensors`;

export function routeSentimentEvent(event: WorkerEvent): void {
  const store = useStore.getState();
  switch (event.type) {
    case 'sentimentProgress':
      return store.setDemoProgress({ phase: event.phase, done: event.done, total: event.total, beta: event.beta });
    case 'sentimentMetrics': {
      const losses: [number, number][] = [];
      for (let i = 0; i < metricRowCount(event.values); i++) losses.push([event.firstStep + i, metricAt(event.values, i, 'loss')]);
      return store.appendDemoLosses(event.phase, event.beta, losses);
    }
    case 'sentimentSft':
      return store.setDemoSftEvaluation(event.reward, event.samples);
    case 'sentimentPairs':
      return store.setDemoPairs(event.pairs);
    case 'sentimentPoint':
      return store.addDemoPoint(event.beta, event.point, event.samples);
    case 'sentimentDiverged':
      return store.setDemoDiverged(event.beta, event.diverged);
  }
}

/** Fetches the shipped checkpoint (same origin, asked for by opening the demo) into the worker. */
export async function loadShippedSft(): Promise<void> {
  const store = useStore.getState();
  store.setDemoActivity('loading');
  await guarded(async () => {
    const response = await fetch(SHIPPED_SFT_URL);
    if (!response.ok)
      throw new Error(`the demo's SFT model (${SHIPPED_SFT_URL}) could not be loaded: HTTP ${response.status}; run npm run build:demo`);
    const bytes = await response.arrayBuffer();
    const loaded = await worker().call('sentimentLoad', { name: 'shipped SFT checkpoint', bytes }, [bytes]);
    store.setDemoSft(loaded);
  });
  store.setDemoActivity('idle');
}

/** Stages 2-3 with the current settings; curves of an earlier sweep are replaced. */
export async function runSentimentDemo(): Promise<void> {
  const store = useStore.getState();
  store.resetDemoRuns();
  store.setDemoActivity('pairs');
  await guarded(() => worker().call('sentimentRun', { settings: useStore.getState().demoSettings }));
  store.setDemoActivity('idle');
}

/** Stage 1 again, from scratch; the new SFT model replaces the shipped one when it finishes. */
export async function retrainSentimentSft(steps: number): Promise<void> {
  const store = useStore.getState();
  useStore.setState({ demoSftLosses: [] });
  store.setDemoActivity('sft');
  const result = await guarded(() => worker().call('sentimentSft', { steps }));
  if (result && !result.stopped)
    store.setDemoSft({
      source: `retrained here: ${result.step} steps, loss ${result.loss.toFixed(3)}`,
      parameters: useStore.getState().demoSft?.parameters ?? 0,
    });
  store.setDemoActivity('idle');
}

export async function stopSentimentDemo(): Promise<void> {
  useStore.getState().setDemoActivity('stopping');
  await guarded(() => worker().call('sentimentStop', {}));
}
