import { useStore } from '../state/store';

export function ErrorBanner() {
  const error = useStore((s) => s.error);
  const setError = useStore((s) => s.setError);
  if (!error) return null;
  return (
    <div className="error-banner" role="alert" data-testid="error">
      <span>{error.message}</span>
      <button type="button" onClick={() => setError(null)} aria-label="Dismiss error">
        ×
      </button>
    </div>
  );
}
