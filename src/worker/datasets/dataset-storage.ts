/**
 * Where the worker keeps datasets: IndexedDB in the browser (workers have it, so saving a
 * large dataset never blocks the page), or memory (tests, private modes without storage).
 */
import type { PreferencePair } from '../../core/data/preference-pairs';
import type { UnpairedExample } from '../../core/data/unpaired';

/** A saved dataset's rows: pairs and unpaired rows in one list (older saves hold only pairs). */
export type StoredRow = PreferencePair | UnpairedExample;

import { objectStore, openDatabase, requestResult, transactionDone } from '../indexed-db';
export interface DatasetMeta {
  id: string;
  name: string;
  format: string;
  count: number;
  updatedAt: string;
}

export interface DatasetStorage {
  list(): Promise<DatasetMeta[]>;
  pairs(id: string): Promise<StoredRow[] | undefined>;
  save(meta: DatasetMeta, pairs: StoredRow[]): Promise<void>;
  remove(id: string): Promise<void>;
  activeId(): Promise<string | undefined>;
  setActiveId(id: string): Promise<void>;
}

export class MemoryStorage implements DatasetStorage {
  private readonly metas = new Map<string, DatasetMeta>();
  private readonly data = new Map<string, StoredRow[]>();
  private active: string | undefined;
  async list() {
    return [...this.metas.values()].sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
  }
  async pairs(id: string) {
    return this.data.get(id);
  }
  async save(meta: DatasetMeta, pairs: StoredRow[]) {
    this.metas.set(meta.id, meta);
    this.data.set(meta.id, pairs);
  }
  async remove(id: string) {
    this.metas.delete(id);
    this.data.delete(id);
  }
  async activeId() {
    return this.active;
  }
  async setActiveId(id: string) {
    this.active = id;
  }
}

const DB_NAME = 'dpo-studio';
const META = 'datasets';
const PAIRS = 'pairs';
const SETTINGS = 'meta';

/** Metadata and pairs live in separate stores, so listing never loads every dataset's rows. */
export class IndexedDbStorage implements DatasetStorage {
  private readonly db: Promise<IDBDatabase>;

  constructor() {
    this.db = openDatabase(DB_NAME, 2, (db) => {
      for (const name of [...db.objectStoreNames]) db.deleteObjectStore(name);
      db.createObjectStore(META, { keyPath: 'id' });
      db.createObjectStore(PAIRS);
      db.createObjectStore(SETTINGS);
    });
  }

  private store(name: string, mode: IDBTransactionMode) {
    return objectStore(this.db, name, mode);
  }

  async list() {
    const all = await requestResult((await this.store(META, 'readonly')).getAll() as IDBRequest<DatasetMeta[]>);
    return all.sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
  }

  async pairs(id: string) {
    return requestResult((await this.store(PAIRS, 'readonly')).get(id) as IDBRequest<StoredRow[] | undefined>);
  }

  async save(meta: DatasetMeta, pairs: StoredRow[]) {
    const tx = (await this.db).transaction([META, PAIRS], 'readwrite');
    tx.objectStore(META).put(meta);
    tx.objectStore(PAIRS).put(pairs, meta.id);
    await transactionDone(tx);
  }

  async remove(id: string) {
    const tx = (await this.db).transaction([META, PAIRS], 'readwrite');
    tx.objectStore(META).delete(id);
    tx.objectStore(PAIRS).delete(id);
    await transactionDone(tx);
  }

  async activeId() {
    return requestResult((await this.store(SETTINGS, 'readonly')).get('activeDataset') as IDBRequest<string | undefined>);
  }

  async setActiveId(id: string) {
    await requestResult((await this.store(SETTINGS, 'readwrite')).put(id, 'activeDataset'));
  }
}
