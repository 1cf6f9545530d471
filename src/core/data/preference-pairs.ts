/** One preference pair in the standard (TRL) schema. */
export interface PreferencePair {
  prompt: string;
  chosen: string;
  rejected: string;
}

export interface RowProblem {
  /** 1-based line number in the file. */
  line: number;
  field: string;
  message: string;
}

export interface ParsedPairs {
  pairs: PreferencePair[];
  /** Rows that could not be used, each naming its line and field; the rest are kept. */
  problems: RowProblem[];
  /** Non-empty lines read. */
  rows: number;
}

const FIELDS = ['prompt', 'chosen', 'rejected'] as const;

function checkRow(value: unknown, line: number): PreferencePair | RowProblem {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { line, field: '(row)', message: 'expected a JSON object with prompt, chosen and rejected' };
  }
  const row = value as Record<string, unknown>;
  for (const field of FIELDS) {
    if (!(field in row)) return { line, field, message: `missing field "${field}"` };
    if (typeof row[field] !== 'string') return { line, field, message: `"${field}" must be a string, got ${typeof row[field]}` };
  }
  for (const field of ['chosen', 'rejected'] as const) {
    if ((row[field] as string).length === 0) return { line, field, message: `"${field}" is empty` };
  }
  return { prompt: row.prompt as string, chosen: row.chosen as string, rejected: row.rejected as string };
}

/**
 * Reads JSONL of {"prompt","chosen","rejected"} rows. Never all-or-nothing: a bad line is
 * reported with its line number and field, and every good line is kept.
 */
export function parsePreferenceJsonl(text: string): ParsedPairs {
  const pairs: PreferencePair[] = [];
  const problems: RowProblem[] = [];
  let rows = 0;
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i].trim();
    if (raw === '') continue;
    rows++;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (error) {
      problems.push({ line: i + 1, field: '(row)', message: `not valid JSON: ${(error as Error).message}` });
      continue;
    }
    const checked = checkRow(value, i + 1);
    if ('line' in checked) problems.push(checked);
    else pairs.push(checked);
  }
  return { pairs, problems, rows };
}
