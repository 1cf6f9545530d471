import { describe, expect, it } from 'vitest';
import { TrainerClient, WorkerError, type WorkerLike } from './trainer-client';

function fakeWorker() {
  const worker: WorkerLike & { posted: unknown[] } = {
    posted: [],
    postMessage: (message) => worker.posted.push(message),
    onmessage: null,
    onerror: null,
    terminate: () => undefined,
  };
  return worker;
}

describe('TrainerClient', () => {
  it('a crashed worker rejects every pending call and tells the crash listeners what happened', async () => {
    const worker = fakeWorker();
    const client = new TrainerClient(worker);
    const crashes: string[] = [];
    client.onCrash((message) => crashes.push(message));
    const pending = client.call('listRuns', {});
    worker.onerror!({ message: 'out of memory' } as ErrorEvent);
    await expect(pending).rejects.toBeInstanceOf(WorkerError);
    await expect(pending).rejects.toThrow('the training worker crashed: out of memory');
    expect(crashes).toEqual(['the training worker crashed: out of memory']);
  });
});
