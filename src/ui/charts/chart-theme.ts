/**
 * The page's colours for the canvas charts: uPlot draws on a canvas, which CSS cannot
 * restyle, so the chart reads the CSS variables when it is built and is rebuilt when the
 * system switches between light and dark.
 */
import { useSyncExternalStore } from 'react';

export type ColorScheme = 'light' | 'dark';

const QUERY = '(prefers-color-scheme: dark)';

function subscribe(onChange: () => void): () => void {
  const media = window.matchMedia(QUERY);
  media.addEventListener('change', onChange);
  return () => media.removeEventListener('change', onChange);
}

/** The system's colour scheme, re-rendering the caller when it changes. */
export function useColorScheme(): ColorScheme {
  return useSyncExternalStore(
    subscribe,
    () => (window.matchMedia(QUERY).matches ? 'dark' : 'light'),
    () => 'light',
  );
}

/** Axis text and grid colours from the stylesheet's variables. */
export function chartColors(): { axis: string; grid: string } {
  const style = getComputedStyle(document.documentElement);
  return {
    axis: style.getPropertyValue('--chart-axis').trim() || '#56606b',
    grid: style.getPropertyValue('--chart-grid').trim() || '#e7eaee',
  };
}
