/**
 * Random numbers for tests and benches, all from fast-check (no hand-written PRNG):
 *
 * - `seededRandom(seed)`: a deterministic stream of uniform numbers in [0, 1) for data that must be
 *   the same on every run (store fixtures, bench inputs). fast-check's own generator (pure-rand)
 *   draws 32-bit integers without bias towards edge cases.
 * - `unitTape(max)` + `tapeRandom(values)`: for property tests. fast-check generates the tape of
 *   choices; a test reads it in order; on a failure fast-check shrinks the tape (fewer, smaller
 *   choices) to a minimal counterexample and prints the seed that replays it.
 */
import fc from 'fast-check';

/** A uniform number in [0, 1) with 32 bits of randomness; shrinks towards 0. */
export const unitInterval: fc.Arbitrary<number> = fc.integer({ min: 0, max: 0xffff_ffff }).map((x) => x / 4_294_967_296);

/** A deterministic stream of uniform numbers in [0, 1): the same seed gives the same numbers. */
export function seededRandom(seed: number): () => number {
  const [stream] = fc.sample(fc.noShrink(fc.noBias(fc.infiniteStream(unitInterval))), { seed, numRuns: 1 });
  const it = stream![Symbol.iterator]();
  return () => it.next().value as number;
}

/**
 * A tape of up to `maxLength` choices in [0, 1), for `tapeRandom`. `size: 'max'` matters: with
 * fast-check's default size an array has at most 10 elements whatever `maxLength` says, so a test
 * would run on a tape of a few choices followed by zeros.
 */
export function unitTape(maxLength: number): fc.Arbitrary<number[]> {
  return fc.array(unitInterval, { maxLength, size: 'max' });
}

/** Reads a tape in order; 0 once it is used up (so a shrunk tape still drives a whole run). */
export function tapeRandom(values: readonly number[]): () => number {
  let i = 0;
  return () => (i < values.length ? values[i++]! : 0);
}
