/**
 * Datasets saved in the browser (IndexedDB), so uploaded and hand-labelled pairs survive a
 * reload. Nothing leaves the machine. A missing or blocked IndexedDB (private modes) makes
 * every call fail with a message; the app keeps working in memory.
 */
import type { PreferencePair } from '../core/data/preference-pairs';

export interface StoredDataset {
  id: string;
  name: string;
  format: string;
  pairs: PreferencePair[];
  updatedAt: string;
}

const DB_NAME = 'dpo-studio';
const DATASETS = 'datasets';
const META = 'meta';

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(new Error(`browser storage: ${req.error?.message ?? 'request failed'}`));
  });
}

let opened: Promise<IDBDatabase> | null = null;

function database(): Promise<IDBDatabase> {
  if (!opened) {
    const req = indexedDB.open(DB_NAME, 1);
    req.onupgradeneeded = () => {
      req.result.createObjectStore(DATASETS, { keyPath: 'id' });
      req.result.createObjectStore(META);
    };
    opened = request(req);
  }
  return opened;
}

async function store(name: string, mode: IDBTransactionMode): Promise<IDBObjectStore> {
  return (await database()).transaction(name, mode).objectStore(name);
}

export async function listDatasets(): Promise<StoredDataset[]> {
  const all = await request((await store(DATASETS, 'readonly')).getAll() as IDBRequest<StoredDataset[]>);
  return all.sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
}

export async function getDataset(id: string): Promise<StoredDataset | undefined> {
  return request((await store(DATASETS, 'readonly')).get(id) as IDBRequest<StoredDataset | undefined>);
}

export async function saveDataset(dataset: StoredDataset): Promise<void> {
  await request((await store(DATASETS, 'readwrite')).put(dataset));
}

export async function deleteDataset(id: string): Promise<void> {
  await request((await store(DATASETS, 'readwrite')).delete(id));
}

export async function getActiveDatasetId(): Promise<string | undefined> {
  return request((await store(META, 'readonly')).get('activeDataset') as IDBRequest<string | undefined>);
}

export async function setActiveDatasetId(id: string): Promise<void> {
  await request((await store(META, 'readwrite')).put(id, 'activeDataset'));
}
