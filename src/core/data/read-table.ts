import Papa from 'papaparse';
import { parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';

/** File types a dataset may come in. */
export type FileType = 'jsonl' | 'json' | 'csv' | 'tsv' | 'parquet';

export interface RawRow {
  /** 1-based: the line for JSONL, the data row for CSV/TSV (header excluded), the index for JSON and Parquet. */
  row: number;
  value: unknown;
}

export interface RawTable {
  type: FileType;
  rows: RawRow[];
  /** Rows that could not even be parsed. */
  problems: { row: number; field: string; message: string }[];
}

export class UnreadableFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnreadableFileError';
  }
}

const PARQUET_MAGIC = [0x50, 0x41, 0x52, 0x31]; // "PAR1"

/** By content first (Parquet's magic bytes, a leading [ or {), then by extension. */
export function detectFileType(name: string, bytes: Uint8Array): FileType {
  if (bytes.length >= 8 && PARQUET_MAGIC.every((b, i) => bytes[i] === b)) return 'parquet';
  const extension = name.toLowerCase().split('.').pop() ?? '';
  if (extension === 'csv') return 'csv';
  if (extension === 'tsv') return 'tsv';
  if (extension === 'parquet') return 'parquet';
  let i = 0;
  while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x0a || bytes[i] === 0x0d || bytes[i] === 0x09 || bytes[i] === 0xef || bytes[i] === 0xbb || bytes[i] === 0xbf)) i++;
  if (bytes[i] === 0x5b /* [ */) return 'json';
  if (extension === 'json') return 'json';
  return 'jsonl';
}

function decodeText(name: string, bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new UnreadableFileError(`${name}: not UTF-8 text (is it a dataset?)`);
  }
}

function readJsonl(text: string): RawTable {
  const rows: RawRow[] = [];
  const problems: RawTable['problems'] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      rows.push({ row: i + 1, value: JSON.parse(line) });
    } catch (error) {
      problems.push({ row: i + 1, field: '(row)', message: `not valid JSON: ${(error as Error).message}` });
    }
  });
  return { type: 'jsonl', rows, problems };
}

/** An array of rows, or an object holding one (e.g. {"train": [...]}), or a single row. */
function readJson(name: string, text: string): RawTable {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new UnreadableFileError(`${name}: not valid JSON (${(error as Error).message})`);
  }
  let list: unknown[] | undefined;
  if (Array.isArray(value)) list = value;
  else if (typeof value === 'object' && value !== null) {
    const holder = Object.values(value).find((v) => Array.isArray(v) && v.length > 0 && typeof v[0] === 'object');
    list = holder ? (holder as unknown[]) : 'chosen' in value ? [value] : undefined;
  }
  if (!list) throw new UnreadableFileError(`${name}: JSON holds no list of rows`);
  return { type: 'json', rows: list.map((v, i) => ({ row: i + 1, value: v })), problems: [] };
}

function readDelimited(text: string, type: 'csv' | 'tsv'): RawTable {
  const result = Papa.parse<Record<string, string>>(text, { header: true, skipEmptyLines: true, delimiter: type === 'tsv' ? '\t' : '' });
  const bad = new Map<number, string>();
  for (const e of result.errors) if (e.row !== undefined) bad.set(e.row, `${e.code}: ${e.message}`);
  const rows: RawRow[] = [];
  const problems: RawTable['problems'] = [];
  result.data.forEach((value, i) => {
    const error = bad.get(i);
    if (error) problems.push({ row: i + 1, field: '(row)', message: error });
    else rows.push({ row: i + 1, value });
  });
  return { type, rows, problems };
}

async function readParquet(name: string, bytes: Uint8Array): Promise<RawTable> {
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  try {
    const objects = await parquetReadObjects({ file, compressors, rowFormat: 'object' });
    return { type: 'parquet', rows: objects.map((value, i) => ({ row: i + 1, value })), problems: [] };
  } catch (error) {
    throw new UnreadableFileError(`${name}: not a readable Parquet file (${(error as Error).message})`);
  }
}

/** Raw rows of a dataset file of any supported type. Throws UnreadableFileError when it is not one. */
export async function readTable(name: string, bytes: Uint8Array): Promise<RawTable> {
  const type = detectFileType(name, bytes);
  if (type === 'parquet') return readParquet(name, bytes);
  const text = decodeText(name, bytes);
  if (type === 'json') return readJson(name, text);
  if (type === 'csv' || type === 'tsv') return readDelimited(text, type);
  return readJsonl(text);
}
