/**
 * @huggingface/jinja 0.5.11 runs `s.strip(chars)`, `s.lstrip(chars)` and `s.rstrip(chars)` as
 * JavaScript's trim, ignoring `chars`, so Qwen3's `content.lstrip('\n')` also drops the spaces
 * a reply starts with, and the prompt text differs from what transformers renders. Until the
 * library honours the argument, every such call in a parsed template is rewritten to a global
 * that strips as Python's str does.
 */

/** Python's whitespace (str.isspace), which differs from JavaScript's trim at \x1c-\x1f, \x85 and \ufeff. */
const PYTHON_SPACE = new Set([
  ...'\t\n\v\f\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000',
]);

type Side = 'strip' | 'lstrip' | 'rstrip';

/** str.strip / lstrip / rstrip: `chars` null or undefined strips whitespace; otherwise any of its characters. */
export function pythonStrip(side: Side, value: unknown, chars?: unknown): string {
  if (typeof value !== 'string') throw new Error(`'${value === null ? 'NoneType' : typeof value}' object has no attribute '${side}'`);
  if (chars !== undefined && chars !== null && typeof chars !== 'string') throw new Error(`${side} arg must be None or str`);
  const strip = typeof chars === 'string' ? new Set([...chars]) : PYTHON_SPACE;
  const points = [...value];
  let start = 0;
  let end = points.length;
  if (side !== 'rstrip') while (start < end && strip.has(points[start])) start++;
  if (side !== 'lstrip') while (end > start && strip.has(points[end - 1])) end--;
  return points.slice(start, end).join('');
}

/** The global each rewritten call goes to. */
export const STRIP_GLOBALS: Record<string, (value: unknown, chars?: unknown) => string> = {
  __python_strip: (value, chars) => pythonStrip('strip', value, chars),
  __python_lstrip: (value, chars) => pythonStrip('lstrip', value, chars),
  __python_rstrip: (value, chars) => pythonStrip('rstrip', value, chars),
};

interface Node {
  type?: unknown;
  [key: string]: unknown;
}

const isNode = (value: unknown): value is Node => typeof value === 'object' && value !== null;

/**
 * Rewrites `x.strip(args)` (and lstrip, rstrip) in a parsed template into `__python_strip(x, args)`,
 * in place: the call keeps its node, its callee becomes the method's own identifier, renamed.
 */
export function rewriteStripCalls(node: unknown): void {
  if (Array.isArray(node)) {
    for (const child of node) rewriteStripCalls(child);
    return;
  }
  if (!isNode(node)) return;
  for (const child of Object.values(node)) rewriteStripCalls(child);
  if (node.type !== 'CallExpression') return;
  const callee = node.callee;
  if (!isNode(callee) || callee.type !== 'MemberExpression' || callee.computed) return;
  const property = callee.property;
  if (!isNode(property) || property.type !== 'Identifier' || !['strip', 'lstrip', 'rstrip'].includes(property.value as string)) return;
  if (!Array.isArray(node.args) || node.args.length > 1) return;
  property.value = `__python_${property.value as string}`;
  node.callee = property;
  node.args = [callee.object, ...node.args];
}
