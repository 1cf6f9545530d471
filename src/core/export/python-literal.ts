/**
 * Python source literals for generated scripts. User text (dataset names, model ids, file
 * paths) goes into scripts only through these, so no quote, backslash, newline or odd
 * code point can end a string early or inject code.
 */

/**
 * A double-quoted Python str literal for `text`. Printable ASCII is kept (except `"` and
 * `\`); everything else becomes an escape by code point, so the literal is pure ASCII and
 * evaluates to exactly `text` (a lone UTF-16 surrogate becomes the same lone surrogate).
 */
export function pythonString(text: string): string {
  let out = '"';
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (char === '"' || char === '\\') out += `\\${char}`;
    else if (char === '\n') out += '\\n';
    else if (char === '\r') out += '\\r';
    else if (char === '\t') out += '\\t';
    else if (code >= 0x20 && code < 0x7f) out += char;
    else if (code <= 0xff) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else if (code <= 0xffff) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += `\\U${code.toString(16).padStart(8, '0')}`;
  }
  return `${out}"`;
}

/** A Python float or int literal; refuses NaN and infinities (no literal spells them). */
export function pythonNumber(value: number): string {
  if (!Number.isFinite(value)) throw new Error(`cannot write ${value} as a Python number literal`);
  return String(value);
}

/** A Python literal for a JSON-like value: str, number, bool, None, list. */
export function pythonValue(value: string | number | boolean | null | readonly (string | number)[]): string {
  if (value === null) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') return pythonNumber(value);
  if (typeof value === 'string') return pythonString(value);
  return `[${value.map((v) => pythonValue(v)).join(', ')}]`;
}
