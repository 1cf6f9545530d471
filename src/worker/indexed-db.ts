/**
 * IndexedDB's callbacks as promises, for the datasets' and the runs' databases. Errors say
 * "browser storage: …" and keep the browser's name (QuotaExceededError), so a caller can
 * tell a full disk from other failures.
 */

function storageError(error: DOMException | null, fallback: string): Error {
  const wrapped = new Error(`browser storage: ${error?.message || fallback}`, { cause: error ?? undefined });
  if (error) wrapped.name = error.name;
  return wrapped;
}

/** Whether a storage failure is the browser refusing more data (a full quota or disk). */
export function isQuotaError(error: unknown): boolean {
  const e = error as { name?: string; code?: number } | null;
  return e?.name === 'QuotaExceededError' || (error instanceof DOMException && e?.code === 22);
}

export function requestResult<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(storageError(req.error, 'request failed'));
  });
}

/** Resolves when the transaction commits; a full disk aborts it with QuotaExceededError. */
export function transactionDone(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(storageError(tx.error, 'could not save'));
    tx.onabort = () => reject(storageError(tx.error, 'quota exceeded or aborted'));
  });
}

/** Opens (creating or upgrading with `upgrade`) a database at `version`. */
export function openDatabase(name: string, version: number, upgrade: (db: IDBDatabase) => void): Promise<IDBDatabase> {
  const open = indexedDB.open(name, version);
  open.onupgradeneeded = () => upgrade(open.result);
  return requestResult(open);
}

/** One store of a new transaction. */
export async function objectStore(db: Promise<IDBDatabase>, name: string, mode: IDBTransactionMode): Promise<IDBObjectStore> {
  return (await db).transaction(name, mode).objectStore(name);
}
