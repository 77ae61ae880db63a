// The change scenarios, each a new commit on the served repository.
import type { Harness, RunOptions } from './run';

export async function scenarios(_h: Harness, _o: RunOptions, _timings: Record<string, number>): Promise<string[]> {
  return [];
}
