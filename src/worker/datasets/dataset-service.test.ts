import { describe, expect, it } from 'vitest';
import { DatasetService, DEMO_NAME } from './dataset-service';
import { MemoryStorage, type DatasetStorage } from './dataset-storage';

const bytes = (rows: object[]) => new TextEncoder().encode(rows.map((r) => JSON.stringify(r)).join('\n'));
const rows = [
  { prompt: 'a', chosen: 'x', rejected: 'y' },
  { prompt: 'b', chosen: 'x', rejected: 'y' },
];

describe('DatasetService', () => {
  it('saves loaded datasets and restores the active one in a new session', async () => {
    const storage = new MemoryStorage();
    const first = new DatasetService(storage);
    await first.adopt('one.jsonl', await first.read('one.jsonl', bytes(rows)));
    const second = new DatasetService(storage);
    const restored = await second.restore();
    expect(restored).toMatchObject({ name: 'one.jsonl', pairs: 2 });
    expect(second.pairs).toEqual(rows);
  });

  it('the built-in demo is not saved until a labelled pair makes it a saved copy', async () => {
    const storage = new MemoryStorage();
    const service = new DatasetService(storage);
    const demo = await service.adopt(DEMO_NAME, await service.read('demo.jsonl', bytes(rows)), false);
    expect(demo.id).toBeNull();
    expect(await service.library()).toEqual([]);
    const labelled = await service.append({ prompt: 'c', chosen: 'good', rejected: 'bad' });
    expect(labelled).toMatchObject({ name: `${DEMO_NAME} + labelled`, pairs: 3 });
    expect(await service.library()).toEqual([expect.objectContaining({ count: 3 })]);
  });

  it('deleting the active dataset activates the next saved one', async () => {
    let time = Date.UTC(2026, 0, 1);
    const service = new DatasetService(new MemoryStorage(), () => new Date((time += 1000)));
    const a = await service.adopt('a.jsonl', await service.read('a.jsonl', bytes(rows)));
    const b = await service.adopt('b.jsonl', await service.read('b.jsonl', bytes(rows.slice(0, 1))));
    expect((await service.remove(b.id!))?.name).toBe('a.jsonl');
    expect(await service.remove(a.id!)).toBeNull();
  });

  it('when storage fails the dataset stays in memory and the summary says so', async () => {
    const failing: DatasetStorage = Object.assign(new MemoryStorage(), {
      save: async () => {
        throw new Error('browser storage: quota exceeded');
      },
    });
    const service = new DatasetService(failing);
    const summary = await service.adopt('big.jsonl', await service.read('big.jsonl', bytes(rows)));
    expect(summary.pairs).toBe(2);
    expect(summary.notice).toMatch(/quota exceeded; kept in memory only/);
  });
});
