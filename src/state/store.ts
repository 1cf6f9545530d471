import { create } from 'zustand';
import { createMetricsSlice, type MetricsSlice } from './metrics-slice';
import { createSessionSlice, type SessionSlice } from './session-slice';
import { createSettingsSlice, type SettingsSlice } from './settings-slice';
import { createLibrarySlice, type LibrarySlice } from './library-slice';
import { createSentimentSlice, type SentimentSlice } from './sentiment-slice';
import { createRunsSlice, type RunsSlice } from './runs-slice';
import { createHfSlice, type HfSlice } from './hf-slice';

export type AppState = MetricsSlice & SessionSlice & SettingsSlice & LibrarySlice & SentimentSlice & RunsSlice & HfSlice;

/** The one store; components read it through narrow selectors. */
export const useStore = create<AppState>()((...a) => ({
  ...createMetricsSlice(...a),
  ...createSessionSlice(...a),
  ...createSettingsSlice(...a),
  ...createLibrarySlice(...a),
  ...createSentimentSlice(...a),
  ...createRunsSlice(...a),
  ...createHfSlice(...a),
}));
