/** The saved runs' list in the store, and the interrupted run to offer after a reload or crash. */
import { useStore } from '../state/store';
import { worker } from './connection';

/** @param atStartup offer the newest run a reload or crash interrupted */
export async function refreshRuns(atStartup = false): Promise<void> {
  const list = await worker().call('listRuns', {});
  const store = useStore.getState();
  store.setRuns(list);
  if (atStartup) store.setInterrupted(list.runs.find((r) => r.status === 'running' && r.checkpoint) ?? null);
}
