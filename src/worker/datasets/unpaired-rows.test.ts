import { describe, expect, it } from 'vitest';
import { DatasetService, DEMO_NAME } from './dataset-service';
import { MemoryStorage } from './dataset-storage';

const bytes = (rows: object[]) => new TextEncoder().encode(rows.map((r) => JSON.stringify(r)).join('\n'));
const pair = { prompt: 'a', chosen: ' x', rejected: ' y' };
const thumbsUp = { prompt: 'b', completion: ' nice', label: true };

describe('unpaired rows in the dataset service', () => {
  it('a thumbs up joins the demo as an unpaired row, is saved beside the pairs and comes back after a reload', async () => {
    const storage = new MemoryStorage();
    const service = new DatasetService(storage);
    await service.adopt(DEMO_NAME, await service.read('demo.jsonl', bytes([pair])), false);
    const summary = await service.appendUnpaired(thumbsUp);
    expect(summary).toMatchObject({ pairs: 1, unpaired: 1, desirable: 1, name: `${DEMO_NAME} + labelled` });
    const down = await service.appendUnpaired({ prompt: 'b', completion: ' meh', label: false });
    expect(down).toMatchObject({ unpaired: 2, desirable: 1 });
    expect((await service.removeLastUnpaired()).unpaired).toBe(1);
    const reloaded = new DatasetService(storage);
    expect(await reloaded.restore()).toMatchObject({ pairs: 1, unpaired: 1 });
    expect(reloaded.pairs).toEqual([pair]);
    expect(reloaded.unpaired).toEqual([thumbsUp]);
  });

  it("exports both kinds as JSONL that reads back the same (TRL's unpaired format for the rows)", async () => {
    const service = new DatasetService(new MemoryStorage());
    await service.adopt('mixed.jsonl', await service.read('mixed.jsonl', bytes([pair, thumbsUp])));
    const jsonl = service.exportJsonl();
    expect(new TextDecoder().decode(jsonl).trim().split('\n').map((l) => JSON.parse(l))).toEqual([pair, thumbsUp]);
    const again = await service.read('again.jsonl', jsonl);
    expect([again.pairs, again.unpaired]).toEqual([[pair], [thumbsUp]]);
  });

  it('refuses a row without a true/false label', async () => {
    const service = new DatasetService(new MemoryStorage());
    await service.adopt('one.jsonl', await service.read('one.jsonl', bytes([pair])));
    await expect(service.appendUnpaired({ prompt: 'p', completion: ' c', label: 'yes' as unknown as boolean })).rejects.toThrow(/true\/false label/);
  });
});
