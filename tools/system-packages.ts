// The Debian packages the tests need, read from the one list .ci/run installs from, and the
// checks a test makes before it calls a system tool, so a missing one is named with the
// package that brings it instead of surfacing as a bare traceback.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const SYSTEM_PACKAGES_FILE = join(__dirname, '..', '.ci', 'system-packages.txt');

/** The package names in .ci/system-packages.txt, in order. */
export function systemPackages(): string[] {
  return readFileSync(SYSTEM_PACKAGES_FILE, 'utf8')
    .split('\n')
    .map((line) => line.trim().split(/\s+/)[0])
    .filter((name) => name && !name.startsWith('#'));
}

export const PYTHON = '/usr/bin/python3';

/** The Debian package that brings each Python module the oracles import. */
export const PYTHON_MODULE_PACKAGES: Record<string, string> = { torch: 'python3-torch', regex: 'python3-regex', jinja2: 'python3-jinja2' };

function installHint(pkg: string): string {
  return `install Debian's ${pkg} (apt-get install -y ${pkg}; bash .ci/run installs everything in .ci/system-packages.txt)`;
}

/** Throws, naming the package to install, unless /usr/bin/python3 can import every module. */
export function requirePython(modules: string[] = []): void {
  if (!existsSync(PYTHON)) throw new Error(`${PYTHON} is missing: ${installHint('python3')}`);
  for (const module of modules) {
    try {
      execFileSync(PYTHON, ['-c', `import ${module}`], { stdio: 'pipe' });
    } catch {
      const pkg = PYTHON_MODULE_PACKAGES[module] ?? `the package with the Python module ${module}`;
      throw new Error(`${PYTHON} cannot import ${module}: ${installHint(pkg)}`);
    }
  }
}
