/**
 * Files from a drop, folders walked: a dropped model folder arrives as one directory entry,
 * not as its files. Paths are kept in `webkitRelativePath` style ("folder/config.json").
 */
interface Entry {
  isFile: boolean;
  isDirectory: boolean;
  name: string;
  file?(ok: (f: File) => void, fail: (e: unknown) => void): void;
  createReader?(): { readEntries(ok: (entries: Entry[]) => void, fail: (e: unknown) => void): void };
}

async function walk(entry: Entry, prefix: string, out: { file: File; path: string }[]): Promise<void> {
  if (entry.isFile && entry.file) {
    const file = await new Promise<File>((ok, fail) => entry.file!(ok, fail));
    out.push({ file, path: prefix + entry.name });
  } else if (entry.isDirectory && entry.createReader) {
    const reader = entry.createReader();
    // readEntries returns at most 100 entries per call; an empty batch means done.
    for (;;) {
      const batch = await new Promise<Entry[]>((ok, fail) => reader.readEntries(ok, fail));
      if (batch.length === 0) break;
      for (const child of batch) await walk(child, `${prefix}${entry.name}/`, out);
    }
  }
}

export async function droppedFiles(transfer: DataTransfer): Promise<{ files: File[]; folder: string | null }> {
  const entries: Entry[] = [];
  for (const item of Array.from(transfer.items)) {
    const entry = (item as unknown as { webkitGetAsEntry?: () => Entry | null }).webkitGetAsEntry?.();
    if (entry) entries.push(entry);
  }
  const folder = entries.find((e) => e.isDirectory);
  if (!folder) return { files: Array.from(transfer.files), folder: null };
  const out: { file: File; path: string }[] = [];
  await walk(folder, '', out);
  return { files: out.map((o) => o.file), folder: folder.name };
}
