/**
 * Where runs live: IndexedDB in the browser (its own database, so dataset upgrades never
 * touch it), memory in Node tests. Records (settings, curves, status) and checkpoints are
 * separate stores, so listing runs never loads weights.
 */
import type { RunRecord } from '../../protocol/messages';
import { objectStore, openDatabase, requestResult, transactionDone } from '../indexed-db';

export interface RunStorage {
  list(): Promise<RunRecord[]>;
  get(id: string): Promise<RunRecord | undefined>;
  put(record: RunRecord): Promise<void>;
  /** Saves the record and its checkpoint together (both or neither). */
  putWithCheckpoint(record: RunRecord, checkpoint: Uint8Array): Promise<void>;
  checkpoint(id: string): Promise<Uint8Array | undefined>;
  remove(id: string): Promise<void>;
}

export class MemoryRunStorage implements RunStorage {
  private readonly records = new Map<string, RunRecord>();
  private readonly checkpoints = new Map<string, Uint8Array>();
  /** Tests set this to simulate a full disk. */
  quotaBytes = Infinity;

  async list() {
    return [...this.records.values()].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }
  async get(id: string) {
    return this.records.get(id);
  }
  async put(record: RunRecord) {
    this.records.set(record.id, structuredClone(record));
  }
  async putWithCheckpoint(record: RunRecord, checkpoint: Uint8Array) {
    const others = [...this.checkpoints].filter(([id]) => id !== record.id).reduce((a, [, c]) => a + c.byteLength, 0);
    if (others + checkpoint.byteLength > this.quotaBytes) throw new DOMException('quota exceeded', 'QuotaExceededError');
    this.records.set(record.id, structuredClone(record));
    this.checkpoints.set(record.id, checkpoint.slice());
  }
  async checkpoint(id: string) {
    return this.checkpoints.get(id);
  }
  async remove(id: string) {
    this.records.delete(id);
    this.checkpoints.delete(id);
  }
}

const DB_NAME = 'dpo-studio-runs';
const RUNS = 'runs';
const CHECKPOINTS = 'checkpoints';

export class IndexedDbRunStorage implements RunStorage {
  private readonly db: Promise<IDBDatabase>;

  constructor() {
    this.db = openDatabase(DB_NAME, 1, (db) => {
      db.createObjectStore(RUNS, { keyPath: 'id' });
      db.createObjectStore(CHECKPOINTS);
    });
  }

  async list() {
    const all = await requestResult((await objectStore(this.db, RUNS, 'readonly')).getAll() as IDBRequest<RunRecord[]>);
    return all.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  async get(id: string) {
    return requestResult((await objectStore(this.db, RUNS, 'readonly')).get(id) as IDBRequest<RunRecord | undefined>);
  }

  async put(record: RunRecord) {
    const tx = (await this.db).transaction(RUNS, 'readwrite');
    tx.objectStore(RUNS).put(record);
    await transactionDone(tx);
  }

  async putWithCheckpoint(record: RunRecord, checkpoint: Uint8Array) {
    const tx = (await this.db).transaction([RUNS, CHECKPOINTS], 'readwrite');
    tx.objectStore(RUNS).put(record);
    tx.objectStore(CHECKPOINTS).put(checkpoint, record.id);
    await transactionDone(tx);
  }

  async checkpoint(id: string) {
    return requestResult((await objectStore(this.db, CHECKPOINTS, 'readonly')).get(id) as IDBRequest<Uint8Array | undefined>);
  }

  async remove(id: string) {
    const tx = (await this.db).transaction([RUNS, CHECKPOINTS], 'readwrite');
    tx.objectStore(RUNS).delete(id);
    tx.objectStore(CHECKPOINTS).delete(id);
    await transactionDone(tx);
  }
}

