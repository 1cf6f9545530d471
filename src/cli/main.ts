// The Node CLI over the same core as the app. stdout carries only machine-readable output.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { SettingsError } from '../core/train/settings';
import { trainCommand, type Io } from './train-command';
import { inspectCommand } from './inspect-command';
import { TRAIN_HELP, UsageError } from './train-options';

const USAGE = `usage: npm run -s cli -- <command>\n\ncommands:\n  train    train with DPO and export a bundle (train --help)\n  inspect  read a dataset and report what is usable (inspect --help)\n`;

export async function runCli(argv: string[], io: Io): Promise<number> {
  await tf.setBackend('cpu');
  const [command, ...rest] = argv;
  try {
    if (command === 'train') return await trainCommand(rest, io);
    if (command === 'inspect') return await inspectCommand(rest, io);
    if (command === undefined || command === '--help' || command === 'help') {
      io.stdout(USAGE);
      return 0;
    }
    throw new UsageError(`unknown command "${command}"`);
  } catch (error) {
    if (error instanceof UsageError || error instanceof SettingsError) {
      io.stderr(`error: ${error.message}\n`);
      if (error instanceof UsageError && command === 'train' && /required|unknown/i.test(error.message)) io.stderr(TRAIN_HELP.split('\n')[0] + '\n');
      return 2;
    }
    throw error;
  }
}
