// The Node CLI over the same core as the app. stdout carries only machine-readable output.
import { SettingsError } from '../core/train/settings';
import { trainCommand, type Io } from './train-command';
import { inspectCommand } from './inspect-command';
import { sentimentCommand } from './sentiment-command';
import { TRAIN_HELP, UsageError } from './train-options';
import { NODE_BACKENDS, useNodeBackend, type NodeBackend } from './node-backend';

const USAGE = `usage: npm run -s cli -- <command> [--backend wasm|cpu]

commands:
  train      train with DPO and export a bundle (train --help)
  inspect    read a dataset and report what is usable (inspect --help)
  sentiment  the controlled-sentiment experiment from the shipped SFT model (sentiment --help)

--backend: wasm (default, about 4x faster) or cpu (TF.js's pure-JS reference backend)
`;

/** Takes `--backend X` / `--backend=X` out of argv (every command accepts it). */
function extractBackend(argv: string[]): { backend: NodeBackend; rest: string[] } {
  const rest: string[] = [];
  let backend: string = 'wasm';
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--backend') backend = argv[++i] ?? '';
    else if (argv[i].startsWith('--backend=')) backend = argv[i].slice('--backend='.length);
    else rest.push(argv[i]);
  }
  if (!(NODE_BACKENDS as string[]).includes(backend))
    throw new UsageError(`--backend: "${backend}" is not one of ${NODE_BACKENDS.join(', ')}`);
  return { backend: backend as NodeBackend, rest };
}

export async function runCli(argv: string[], io: Io): Promise<number> {
  const [command, ...args] = argv;
  try {
    const { backend, rest } = extractBackend(args);
    if (command === 'train' || command === 'sentiment') await useNodeBackend(backend, io.stderr);
    if (command === 'train') return await trainCommand(rest, io);
    if (command === 'inspect') return await inspectCommand(rest, io);
    if (command === 'sentiment') return await sentimentCommand(rest, io);
    if (command === undefined || command === '--help' || command === 'help') {
      io.stdout(USAGE);
      return 0;
    }
    throw new UsageError(`unknown command "${command}"`);
  } catch (error) {
    if (error instanceof UsageError || error instanceof SettingsError) {
      io.stderr(`error: ${error.message}\n`);
      if (error instanceof UsageError && command === 'train' && /required|unknown/i.test(error.message))
        io.stderr(TRAIN_HELP.split('\n')[0] + '\n');
      return 2;
    }
    throw error;
  }
}
