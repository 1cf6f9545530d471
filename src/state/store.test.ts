import { describe, expect, it } from 'vitest';
import { useStore } from './store';
import { METRIC_COUNT } from '../core/train/metric-names';

describe('store', () => {
  it('appends metric deltas in order and bumps the version', () => {
    const { appendMetrics } = useStore.getState();
    const values = Float32Array.from({ length: 2 * METRIC_COUNT }, (_, i) => i);
    appendMetrics([1, 2], values, 3, 100);
    appendMetrics([3], values.subarray(0, METRIC_COUNT), 4, 120);
    const s = useStore.getState();
    expect(s.metricSteps).toEqual([1, 2, 3]);
    expect(s.metricSeries.loss).toEqual([0, METRIC_COUNT, 0]);
    expect(s.metricSeries['rewards/chosen']).toEqual([1, METRIC_COUNT + 1, 1]);
    expect(s.metricsVersion).toBe(2);
    expect(s.stepsPerSecond).toBe(4);
  });

  it("switching preset adopts the preset's batch and context", () => {
    useStore.getState().updateSettings({ beta: 0.3 });
    useStore.getState().setPreset('tiny');
    const { settings } = useStore.getState();
    expect(settings).toMatchObject({ beta: 0.3, batchSize: 2, maxLength: 64, maxPromptLength: 32 });
  });

  it('a diverged β keeps its curve and says where it diverged', () => {
    const store = useStore.getState();
    store.resetDemoRuns();
    store.appendDemoLosses('dpo', 0.1, [[1, 0.69], [2, NaN]]);
    store.setDemoDiverged(0.1, { step: 2, metric: 'loss', value: NaN });
    const [run] = useStore.getState().demoRuns;
    expect(run).toMatchObject({ beta: 0.1, losses: [[1, 0.69], [2, NaN]], diverged: { step: 2, metric: 'loss' } });
    store.resetDemoRuns();
    expect(useStore.getState().demoRuns).toEqual([]);
  });
});
