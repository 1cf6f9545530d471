/** One preference pair in the standard (TRL) schema; every supported format is read into it. */
export interface PreferencePair {
  prompt: string;
  chosen: string;
  rejected: string;
}
