import type { Message } from './conversation';

/** One preference pair in the standard (TRL) schema; every supported format is read into it. */
export interface PreferencePair {
  prompt: string;
  chosen: string;
  rejected: string;
  /**
   * A conversational row's messages, kept so a model with a chat template renders them its
   * own way (the texts above are the built-in model's plain rendering).
   */
  conversation?: { prompt: Message[]; chosen: Message[]; rejected: Message[] };
}
