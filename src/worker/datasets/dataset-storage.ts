/**
 * Where the worker keeps datasets: IndexedDB in the browser (workers have it, so saving a
 * large dataset never blocks the page), or memory (tests, private modes without storage).
 */
import type { PreferencePair } from '../../core/data/preference-pairs';

export interface DatasetMeta {
  id: string;
  name: string;
  format: string;
  count: number;
  updatedAt: string;
}

export interface DatasetStorage {
  list(): Promise<DatasetMeta[]>;
  pairs(id: string): Promise<PreferencePair[] | undefined>;
  save(meta: DatasetMeta, pairs: PreferencePair[]): Promise<void>;
  remove(id: string): Promise<void>;
  activeId(): Promise<string | undefined>;
  setActiveId(id: string): Promise<void>;
}

export class MemoryStorage implements DatasetStorage {
  private readonly metas = new Map<string, DatasetMeta>();
  private readonly data = new Map<string, PreferencePair[]>();
  private active: string | undefined;
  async list() {
    return [...this.metas.values()].sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
  }
  async pairs(id: string) {
    return this.data.get(id);
  }
  async save(meta: DatasetMeta, pairs: PreferencePair[]) {
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

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(new Error(`browser storage: ${req.error?.message ?? 'request failed'}`));
  });
}

/** Metadata and pairs live in separate stores, so listing never loads every dataset's rows. */
export class IndexedDbStorage implements DatasetStorage {
  private readonly db: Promise<IDBDatabase>;

  constructor() {
    const open = indexedDB.open(DB_NAME, 2);
    open.onupgradeneeded = () => {
      const db = open.result;
      for (const name of [...db.objectStoreNames]) db.deleteObjectStore(name);
      db.createObjectStore(META, { keyPath: 'id' });
      db.createObjectStore(PAIRS);
      db.createObjectStore(SETTINGS);
    };
    this.db = request(open);
  }

  private async store(name: string, mode: IDBTransactionMode) {
    return (await this.db).transaction(name, mode).objectStore(name);
  }

  async list() {
    const all = await request((await this.store(META, 'readonly')).getAll() as IDBRequest<DatasetMeta[]>);
    return all.sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
  }

  async pairs(id: string) {
    return request((await this.store(PAIRS, 'readonly')).get(id) as IDBRequest<PreferencePair[] | undefined>);
  }

  async save(meta: DatasetMeta, pairs: PreferencePair[]) {
    const tx = (await this.db).transaction([META, PAIRS], 'readwrite');
    tx.objectStore(META).put(meta);
    tx.objectStore(PAIRS).put(pairs, meta.id);
    await new Promise<void>((resolve, reject) => {
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(new Error(`browser storage: ${tx.error?.message ?? 'could not save'}`));
      tx.onabort = () => reject(new Error(`browser storage: ${tx.error?.message ?? 'quota exceeded or aborted'}`));
    });
  }

  async remove(id: string) {
    const tx = (await this.db).transaction([META, PAIRS], 'readwrite');
    tx.objectStore(META).delete(id);
    tx.objectStore(PAIRS).delete(id);
    await new Promise<void>((resolve, reject) => {
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(new Error(`browser storage: ${tx.error?.message ?? 'could not delete'}`));
    });
  }

  async activeId() {
    return request((await this.store(SETTINGS, 'readonly')).get('activeDataset') as IDBRequest<string | undefined>);
  }

  async setActiveId(id: string) {
    await request((await this.store(SETTINGS, 'readwrite')).put(id, 'activeDataset'));
  }
}
