import { runCli } from './main';

/** Runs the CLI in-process and captures what it writes (for tests). */
export async function runCaptured(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { stdout: (t) => out.push(t), stderr: (t) => err.push(t) });
  return { code, stdout: out.join(''), stderr: err.join('') };
}
