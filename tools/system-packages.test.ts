import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PYTHON_MODULE_PACKAGES, requirePython, systemPackages } from './system-packages';

describe('the system package list', () => {
  const packages = systemPackages();

  it('holds the browser and every package a Python oracle needs', () => {
    expect(packages).toContain('chromium');
    for (const module of ['torch', 'regex', 'jinja2']) expect(packages).toContain(PYTHON_MODULE_PACKAGES[module]);
  });

  it("is what the README's Run all tests line names", () => {
    const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
    const line = readme.split('\n\n').find((paragraph) => paragraph.startsWith('**Run all tests**'));
    expect(line, 'README has a "**Run all tests**" paragraph').toBeDefined();
    for (const pkg of packages) expect(line, pkg).toContain(`\`${pkg}\``);
  });

  it('names the package to install when a Python module is missing', () => {
    expect(() => requirePython(['no_such_module_dpo_studio'])).toThrow(/cannot import no_such_module_dpo_studio: install/);
  });
});
