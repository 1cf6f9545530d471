import { useStore } from '../state/store';

/** Which backend and adapter training runs on, and why it is not WebGPU when it is not. */
export function BackendBadge() {
  const backend = useStore((s) => s.backend);
  const status = useStore((s) => s.status);
  if (!backend) {
    return (
      <span className="badge" data-testid="backend" role="status">
        {status === 'starting' ? 'starting the training worker…' : 'no backend'}
      </span>
    );
  }
  const fallback = backend.backend !== 'webgpu';
  const why = backend.fallbackReasons.join('; ');
  return (
    <span className={fallback ? 'badge badge-warn' : 'badge'} data-testid="backend" role="status" title={why || undefined}>
      {backend.backend}
      {backend.adapter && ` · ${backend.adapter}`}
      {fallback && <span className="badge-detail"> — not WebGPU: {why}</span>}
    </span>
  );
}
