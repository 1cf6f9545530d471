import type { PreferencePair } from '../../core/data/preference-pairs';
import type { UnpairedExample } from '../../core/data/unpaired';
import { datasetStats } from '../../core/data/dataset-stats';
import type { ChunkedSource } from '../../core/data/read-dataset';
import { UnreadableFileError } from '../../core/data/read-table';
import type { DatasetState, Params, Result, WorkerEvent } from '../../protocol/messages';
import { DatasetService, describeRead } from './dataset-service';
import type { DatasetStorage } from './dataset-storage';
import { CodedError } from '../errors';

/** What a training run needs of the data: the pairs, a held-out file if any, and a version to cache on. */
export interface TrainingData {
  readonly id: string | null;
  readonly pairs: PreferencePair[];
  /** Unpaired rows, for a KTO stage (which also uses the pairs, unpaired). */
  readonly unpaired: UnpairedExample[];
  readonly evalUnpaired: UnpairedExample[] | null;
  /** Makes a saved dataset the active one (to resume a run that trained on it). */
  activateForRun(id: string): Promise<DatasetState>;
  readonly evalPairs: PreferencePair[] | null;
  readonly version: number;
  readonly name: string;
}

/** The dataset requests of the worker protocol, over a DatasetService. */
export class DatasetRequests implements TrainingData {
  private readonly service: DatasetService;
  evalPairs: PreferencePair[] | null = null;
  evalUnpaired: UnpairedExample[] | null = null;
  private evalVersion = 0;

  constructor(
    storage: DatasetStorage,
    private readonly emit: (event: WorkerEvent) => void,
    private readonly assertIdle: () => void,
  ) {
    this.service = new DatasetService(storage);
  }

  get pairs() {
    return this.service.pairs;
  }

  get unpaired() {
    return this.service.unpaired;
  }

  get id() {
    return this.service.id;
  }

  async activateForRun(id: string): Promise<DatasetState> {
    return this.state(await this.service.activate(id));
  }

  get version() {
    return this.service.version * 1000 + this.evalVersion;
  }

  get name() {
    return this.service.name;
  }

  private async state(summary = this.service.summary()): Promise<DatasetState> {
    return { summary, library: await this.service.library() };
  }

  async loadDataset({ name, file, role, mapping, persist }: Params<'loadDataset'>): Promise<Result<'loadDataset'>> {
    this.assertIdle();
    let read;
    try {
      read = await this.service.read(name, await datasetInput(file), mapping, progressReporter(name, file, this.emit));
    } catch (error) {
      if (error instanceof UnreadableFileError) throw new CodedError('bad-file', `${error.message}; the current dataset is kept`);
      throw error;
    }
    if (read.needsMapping) return { kind: 'needsMapping', columns: read.columns, sample: read.sample };
    if (read.pairs.length === 0 && read.unpaired.length === 0) {
      const first = read.invalid[0];
      const detail = first ? ` (row ${first.row}, ${first.field}: ${first.message})` : ' (the file is empty)';
      throw new CodedError('bad-file', `${name}: no usable preference pairs${detail}; the current dataset is kept`);
    }
    if (role === 'eval') {
      this.evalPairs = read.pairs;
      this.evalUnpaired = read.unpaired;
      this.evalVersion++;
      return { kind: 'loaded', summary: describeRead(name, read), library: await this.service.library() };
    }
    return { kind: 'loaded', ...(await this.state(await this.service.adopt(name, read, persist !== false))) };
  }

  clearEvalDataset(): Result<'clearEvalDataset'> {
    this.assertIdle();
    this.evalPairs = null;
    this.evalUnpaired = null;
    this.evalVersion++;
    return { ok: true };
  }

  async restoreDataset(): Promise<DatasetState> {
    return this.state(await this.service.restore());
  }

  async activateDataset({ id }: Params<'activateDataset'>): Promise<DatasetState> {
    this.assertIdle();
    return this.state(await this.service.activate(id));
  }

  async deleteDataset({ id }: Params<'deleteDataset'>): Promise<DatasetState> {
    this.assertIdle();
    return this.state(await this.service.remove(id));
  }

  queryPairs({ query, offset, limit }: Params<'queryPairs'>): Result<'queryPairs'> {
    return this.service.query(query, offset, limit);
  }

  async editPair({ index, pair }: Params<'editPair'>): Promise<DatasetState> {
    this.assertIdle();
    return this.state(await this.service.edit(index, pair));
  }

  async deletePair({ index }: Params<'deletePair'>): Promise<DatasetState> {
    this.assertIdle();
    return this.state(await this.service.delete(index));
  }

  async addPair({ pair }: Params<'addPair'>): Promise<DatasetState> {
    this.assertIdle();
    return this.state(await this.service.append(pair));
  }

  async removeLastPair(): Promise<DatasetState> {
    this.assertIdle();
    return this.state(await this.service.removeLast());
  }

  async addUnpaired({ row }: Params<'addUnpaired'>): Promise<DatasetState> {
    this.assertIdle();
    return this.state(await this.service.appendUnpaired(row));
  }

  async removeLastUnpaired(): Promise<DatasetState> {
    this.assertIdle();
    return this.state(await this.service.removeLastUnpaired());
  }

  exportDataset(): Result<'exportDataset'> {
    const bytes = this.service.exportJsonl();
    const base = (this.service.name || 'dataset').replace(/\.[^.]+$/, '').replace(/[^\w.-]+/g, '-');
    return { fileName: `${base}.jsonl`, jsonl: bytes.buffer as ArrayBuffer };
  }

  exportProblems(): Result<'exportProblems'> {
    const base = (this.service.name || 'dataset').replace(/\.[^.]+$/, '').replace(/[^\w.-]+/g, '-');
    return { fileName: `${base}-problems.jsonl`, jsonl: this.service.problemsJsonl().buffer as ArrayBuffer };
  }

  describeDataset({ maxLength, maxPromptLength }: Params<'describeDataset'>): Result<'describeDataset'> {
    return datasetStats(this.service.pairs, maxLength, maxPromptLength);
  }
}

/** A Blob becomes a chunked source (streamed, never whole in memory); bytes stay bytes. */
async function datasetInput(file: Blob | ArrayBuffer): Promise<Uint8Array | ChunkedSource> {
  if (file instanceof ArrayBuffer) return new Uint8Array(file);
  const head = new Uint8Array(await file.slice(0, 64 * 1024).arrayBuffer());
  return {
    size: file.size,
    head,
    async *chunks() {
      const reader = file.stream().getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        yield value;
      }
    },
  };
}

/** Progress events at most every 100 ms. */
function progressReporter(name: string, file: Blob | ArrayBuffer, emit: (event: WorkerEvent) => void): (bytes: number) => void {
  const total = file instanceof ArrayBuffer ? file.byteLength : file.size;
  let last = 0;
  return (done) => {
    const now = performance.now();
    if (now - last < 100 && done < total) return;
    last = now;
    emit({ type: 'loadProgress', name, done, total });
  };
}
