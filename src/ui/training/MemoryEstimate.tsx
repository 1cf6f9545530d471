import { useEffect } from 'react';
import { refreshMemoryEstimate } from '../../client/model-actions';
import { useStore } from '../../state/store';
import { formatBytes } from '../../core/format-bytes';

/** What the current settings need in memory, shown before Train; a run that cannot fit is refused. */
export function MemoryEstimate() {
  const settings = useStore((s) => s.settings);
  const model = useStore((s) => s.model);
  const memory = useStore((s) => s.memory);
  useEffect(() => {
    const timer = setTimeout(() => void refreshMemoryEstimate(), 250);
    return () => clearTimeout(timer);
  }, [settings, model]);
  if (!memory) return null;
  const e = memory.estimate;
  const parts: [string, number][] = [
    // A LoRA base on WebGPU from a BF16/F16 checkpoint stays 16-bit on the device (packed-weights.ts).
    [e.input.lora && e.input.packedBase ? 'weights (16-bit base)' : 'weights', e.weightBytes],
    ['reference copy', e.referenceBytes],
    ['gradients', e.gradientBytes],
    ['optimizer state', e.optimizerBytes],
    ['activations', e.activationBytes],
    ['logits', e.logitsBytes],
  ];
  return (
    <div className={memory.problem ? 'memory-estimate over' : 'memory-estimate'} data-testid="memory-estimate" aria-live="polite">
      <strong>Memory estimate: {formatBytes(e.totalBytes)}</strong> of a {formatBytes(settings.memoryBudgetMb * 2 ** 20)} budget
      <small>
        {' '}
        ({parts
          .filter(([, b]) => b > 0)
          .map(([label, b]) => `${label} ${formatBytes(b)}`)
          .join(', ')}
        ; largest tensor {e.largestTensor}, {formatBytes(e.largestTensorBytes)})
      </small>
      {memory.problem && (
        <p className="error-text" role="alert" data-testid="memory-problem">
          {memory.problem}
        </p>
      )}
    </div>
  );
}
