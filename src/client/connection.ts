import { useStore } from '../state/store';
import { TrainerClient, WorkerError } from './trainer-client';

let client: TrainerClient | null = null;

export function setWorker(next: TrainerClient): void {
  client = next;
}

export function worker(): TrainerClient {
  if (!client) throw new Error('the training worker has not started');
  return client;
}

/** Runs `task`, showing its failure in the error banner instead of losing it. */
export async function guarded<T>(task: () => Promise<T>): Promise<T | undefined> {
  try {
    return await task();
  } catch (error) {
    const e = error as Error;
    useStore
      .getState()
      .setError(
        error instanceof WorkerError
          ? { message: e.message, code: error.code, field: error.field }
          : { message: e.message, code: 'client' },
      );
    return undefined;
  }
}
