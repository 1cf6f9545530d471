import type { RequestName, Result, WorkerEvent } from './messages';

/**
 * The fields that travel as transferables, by event type and by request name: buffers the
 * sender never reads again. Everything else is copied, so a sender may keep reading it.
 */
export const TRANSFERABLE_EVENT_FIELDS: { [K in WorkerEvent['type']]?: readonly (keyof Extract<WorkerEvent, { type: K }>)[] } = {
  metrics: ['steps', 'values'],
  sentimentMetrics: ['values'],
};

export const TRANSFERABLE_RESULT_FIELDS: { [K in RequestName]?: readonly (keyof Result<K>)[] } = {
  exportDataset: ['jsonl'],
  exportProblems: ['jsonl'],
  exportWeights: ['zip'],
  exportRun: ['zip'],
  exportHfModel: ['zip'],
  exportAdapter: ['zip'],
  exportTrl: ['zip'],
};
