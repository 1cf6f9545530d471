import type { PreferencePair } from '../../core/data/preference-pairs';
import { isUnpaired, unpairedRecord, type UnpairedExample } from '../../core/data/unpaired';
import { readPreferenceDataset, type ChunkedSource, type ReadDataset } from '../../core/data/read-dataset';
import type { ColumnMapping } from '../../core/data/normalize-row';
import type { DatasetSummary, LibraryEntry } from '../../protocol/messages';
import type { DatasetMeta, DatasetStorage } from './dataset-storage';

export const DEMO_NAME = 'demo: movie reviews (built in)';

/** The summary of a file just read (a held-out file, which is not saved or edited). */
export function describeRead(name: string, read: ReadDataset): DatasetSummary {
  return {
    id: null,
    name,
    format: read.format,
    rows: read.rows,
    pairs: read.pairs.length,
    unpaired: read.unpaired.length,
    desirable: read.unpaired.filter((u) => u.label).length,
    problems: read.invalid.slice(0, 100),
    invalidCount: read.invalid.length,
    flaggedCount: read.flagged.length,
    preview: read.pairs.slice(0, 5),
    version: 0,
  };
}

/**
 * The active training dataset and the saved ones. It lives in the worker so that a large
 * file is parsed, searched, edited and saved without its rows ever crossing to the page:
 * the page gets summaries and the rows it shows.
 */
export class DatasetService {
  pairs: PreferencePair[] = [];
  /** Unpaired rows ({prompt, completion, label}), beside the pairs; only a KTO stage trains on them. */
  unpaired: UnpairedExample[] = [];
  /** Bumped on every change, so caches (the eval split, the page's table) know to refresh. */
  version = 0;
  private meta: DatasetMeta | null = null;

  /** The active dataset's id ("demo" for the built-in one, which is never saved). */
  get id(): string | null {
    return this.meta?.id ?? null;
  }
  private lastRead: Pick<ReadDataset, 'rows' | 'invalid' | 'flagged'> | null = null;
  private notice: string | undefined;

  constructor(
    private readonly storage: DatasetStorage,
    /** The clock behind `updatedAt`, which orders the library (tests pass their own). */
    private readonly now: () => Date = () => new Date(),
  ) {}

  get name(): string {
    return this.meta?.name ?? '';
  }

  /** Reads a file; the caller decides what to do with the result. */
  read(
    name: string,
    input: Uint8Array | ChunkedSource,
    mapping?: ColumnMapping,
    onProgress?: (bytes: number) => void,
  ): Promise<ReadDataset> {
    return readPreferenceDataset(name, input, mapping, onProgress);
  }

  /** Makes freshly read pairs the active dataset and saves them (`persist: false` for the built-in demo). */
  async adopt(name: string, read: ReadDataset, persist = true): Promise<DatasetSummary> {
    this.meta = {
      id: persist ? crypto.randomUUID() : 'demo',
      name,
      format: read.format,
      count: read.pairs.length + read.unpaired.length,
      updatedAt: this.now().toISOString(),
    };
    this.setPairs(read.pairs, read.unpaired);
    this.lastRead = read;
    this.notice = undefined;
    if (persist) await this.save();
    return this.summary()!;
  }

  /** The dataset active before the page was reloaded, if it is still saved. */
  async restore(): Promise<DatasetSummary | null> {
    const id = await this.storage.activeId().catch(() => undefined);
    if (!id) return null;
    return this.activate(id).catch(() => null);
  }

  async activate(id: string): Promise<DatasetSummary> {
    const meta = (await this.storage.list()).find((m) => m.id === id);
    const rows = meta && (await this.storage.pairs(id));
    if (!meta || !rows) throw new Error('that dataset is no longer saved in this browser');
    this.meta = meta;
    this.setPairs(
      rows.filter((r): r is PreferencePair => !isUnpaired(r)),
      rows.filter(isUnpaired),
    );
    this.lastRead = null;
    this.notice = undefined;
    await this.storage.setActiveId(id);
    return this.summary()!;
  }

  async library(): Promise<LibraryEntry[]> {
    return (await this.storage.list().catch(() => [])).map(({ id, name, format, count }) => ({ id, name, format, count }));
  }

  /** Deletes a saved dataset; when it was the active one, the next saved one (if any) becomes active. */
  async remove(id: string): Promise<DatasetSummary | null> {
    await this.storage.remove(id);
    if (this.meta?.id !== id) return this.summary();
    const next = (await this.storage.list())[0];
    if (next) return this.activate(next.id);
    this.meta = null;
    this.setPairs([], []);
    return null;
  }

  /** Rows matching `query` (case-insensitive, any field), `limit` of them from `offset`. */
  query(query: string, offset: number, limit: number): { matches: number; rows: { index: number; pair: PreferencePair }[] } {
    const q = query.trim().toLowerCase();
    const hit = (p: PreferencePair) =>
      q === '' || p.prompt.toLowerCase().includes(q) || p.chosen.toLowerCase().includes(q) || p.rejected.toLowerCase().includes(q);
    if (q === '')
      return { matches: this.pairs.length, rows: this.pairs.slice(offset, offset + limit).map((pair, i) => ({ index: offset + i, pair })) };
    const rows: { index: number; pair: PreferencePair }[] = [];
    let matches = 0;
    this.pairs.forEach((pair, index) => {
      if (!hit(pair)) return;
      if (matches >= offset && rows.length < limit) rows.push({ index, pair });
      matches++;
    });
    return { matches, rows };
  }

  async edit(index: number, pair: PreferencePair): Promise<DatasetSummary> {
    if (!(index >= 0 && index < this.pairs.length)) throw new Error(`there is no pair ${index + 1}`);
    if (pair.chosen === '' || pair.rejected === '') throw new Error('chosen and rejected must not be empty');
    const pairs = this.pairs.slice();
    pairs[index] = pair;
    return this.change(pairs);
  }

  async delete(index: number): Promise<DatasetSummary> {
    if (this.pairs.length <= 1) throw new Error('a dataset needs at least one pair; delete the dataset instead');
    return this.change(this.pairs.filter((_, i) => i !== index));
  }

  /** A labelled pair joins the active dataset; the built-in demo becomes a saved copy first. */
  async append(pair: PreferencePair): Promise<DatasetSummary> {
    if (this.meta?.id === 'demo') this.meta = { ...this.meta, id: crypto.randomUUID(), name: `${DEMO_NAME} + labelled` };
    return this.change([...this.pairs, pair]);
  }

  async removeLast(): Promise<DatasetSummary> {
    return this.change(this.pairs.slice(0, -1));
  }

  /** A thumbs up or down joins the active dataset as an unpaired row (the demo becomes a saved copy first). */
  async appendUnpaired(row: UnpairedExample): Promise<DatasetSummary> {
    if (typeof row.label !== 'boolean' || row.completion === '') throw new Error('an unpaired row needs a completion and a true/false label');
    if (this.meta?.id === 'demo') this.meta = { ...this.meta, id: crypto.randomUUID(), name: `${DEMO_NAME} + labelled` };
    return this.change(this.pairs, [...this.unpaired, row]);
  }

  async removeLastUnpaired(): Promise<DatasetSummary> {
    return this.change(this.pairs, this.unpaired.slice(0, -1));
  }

  /** The active dataset as standard JSONL, which TRL loads as it is. */
  exportJsonl(): Uint8Array {
    return new TextEncoder().encode(
      // Conversational rows keep their messages, so they reload as conversations (and a chat template can apply).
      [
        ...this.pairs.map((p) => JSON.stringify(p.conversation ?? { prompt: p.prompt, chosen: p.chosen, rejected: p.rejected })),
        // Unpaired rows in TRL's unpaired format, so they reload as such (and KTOTrainer reads them).
        ...this.unpaired.map((u) => JSON.stringify(unpairedRecord(u))),
      ].join('\n') + '\n',
    );
  }

  /** The last file's skipped rows (and flagged ones), as JSONL: {row, field, message, kind}. */
  problemsJsonl(): Uint8Array {
    const read = this.lastRead;
    const lines = read
      ? [...read.invalid.map((p) => ({ ...p, kind: 'skipped' })), ...read.flagged.map((p) => ({ ...p, kind: 'flagged' }))]
      : [];
    return new TextEncoder().encode(lines.map((l) => JSON.stringify(l)).join('\n') + (lines.length ? '\n' : ''));
  }

  summary(): DatasetSummary | null {
    if (!this.meta) return null;
    const read = this.lastRead;
    return {
      id: this.meta.id === 'demo' ? null : this.meta.id,
      name: this.meta.name,
      format: this.meta.format,
      rows: read?.rows ?? this.pairs.length + this.unpaired.length,
      pairs: this.pairs.length,
      unpaired: this.unpaired.length,
      desirable: this.unpaired.filter((u) => u.label).length,
      problems: read?.invalid.slice(0, 100) ?? [],
      invalidCount: read?.invalid.length ?? 0,
      flaggedCount: read ? read.flagged.length : this.pairs.filter((p) => p.chosen === p.rejected).length,
      preview: this.pairs.slice(0, 5),
      version: this.version,
      notice: this.notice,
    };
  }

  private setPairs(pairs: PreferencePair[], unpaired: UnpairedExample[] = this.unpaired): void {
    this.pairs = pairs;
    this.unpaired = unpaired;
    this.version++;
  }

  private async change(pairs: PreferencePair[], unpaired: UnpairedExample[] = this.unpaired): Promise<DatasetSummary> {
    if (!this.meta) throw new Error('no dataset is loaded');
    this.setPairs(pairs, unpaired);
    this.meta = { ...this.meta, count: pairs.length + unpaired.length, updatedAt: this.now().toISOString() };
    await this.save();
    return this.summary()!;
  }

  /** Saving is best effort: without storage (quota, private mode) the dataset stays in memory and the page is told. */
  private async save(): Promise<void> {
    if (!this.meta || this.meta.id === 'demo') return;
    try {
      await this.storage.save(this.meta, [...this.pairs, ...this.unpaired]);
      await this.storage.setActiveId(this.meta.id);
      this.notice = undefined;
    } catch (error) {
      this.notice = `${(error as Error).message}; kept in memory only, export it to keep it`;
    }
  }
}
