/**
 * Reads generated Python scripts the way Python does (its own `ast` module), so tests check
 * the keyword arguments a script really passes rather than the table that wrote them.
 * Node-only (child_process); for tests.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PYTHON, requirePython } from '../../../tools/system-packages';

/** A keyword argument's value: the Python literal as JSON, or `{ expr }` for anything else. */
export type PythonArgument = string | number | boolean | null | PythonArgument[] | { expr: string };

export interface ScriptCalls {
  /** Every call to a plain name (`DPOConfig(...)`, `LoraConfig(...)`), with its keyword arguments. */
  calls: Record<string, Record<string, PythonArgument>[]>;
  /** `module.name` of every `from module import name`. */
  imports: string[];
  /** The header's "does not reproduce" lines (comments of the form `#   - …`). */
  notReproduced: string[];
}

const READER = `
import ast, json, sys
out = []
for path in sys.argv[1:]:
    source = open(path, encoding="utf-8").read()
    tree = ast.parse(source)
    calls = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            kwargs = {}
            for kw in node.keywords:
                try:
                    kwargs[kw.arg] = ast.literal_eval(kw.value)
                except ValueError:
                    kwargs[kw.arg] = {"expr": ast.unparse(kw.value)}
            calls.setdefault(node.func.id, []).append(kwargs)
    imports = [f"{n.module}.{a.name}" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) for a in n.names]
    header = [line[len("#   - "):] for line in source.splitlines() if line.startswith("#   - ")]
    out.append({"calls": calls, "imports": imports, "notReproduced": header})
sys.stdout.write(json.dumps(out))
`;

/** Parses each script with Python (one process for all); throws with Python's error on a syntax error. */
export function pythonScriptCalls(scripts: readonly string[]): ScriptCalls[] {
  requirePython();
  const dir = mkdtempSync(join(tmpdir(), 'script-calls-'));
  try {
    const files = scripts.map((script, i) => {
      const file = join(dir, `script${i}.py`);
      writeFileSync(file, script);
      return file;
    });
    writeFileSync(join(dir, 'reader.py'), READER);
    try {
      return JSON.parse(execFileSync(PYTHON, [join(dir, 'reader.py'), ...files], { encoding: 'utf8', stdio: 'pipe' }));
    } catch (error) {
      throw new Error(`Python could not read a generated script:\n${(error as { stderr?: string }).stderr ?? error}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The keyword arguments of the one call to `name` in a script; throws when there is not exactly one. */
export function onlyCall(script: ScriptCalls, name: string): Record<string, PythonArgument> {
  const calls = script.calls[name] ?? [];
  if (calls.length !== 1) throw new Error(`expected one call to ${name}, found ${calls.length}`);
  return calls[0];
}
