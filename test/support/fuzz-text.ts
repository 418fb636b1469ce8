import fc from 'fast-check';

/**
 * Fuzz text for the event-loop tests: runs of the characters that MIME,
 * IMAP and the API's own syntax are made of (brackets, quotes, colons,
 * encoded-word markers, boundaries, base64, line breaks), some a few
 * characters long and some tens of kilobytes: long runs are what make
 * backtracking patterns and naive scanners super-linear.
 */
export const UNITS = [
  ...'<>@"\'()\\ \t=?*/;:,-.{}[]%+0aZé\u0000\u00ff',
  '\r\n',
  '\n',
  '\r\n ',
  '=?',
  '?=',
  '--',
  '=?utf-8?q?',
  '=?iso-8859-1?b?',
  'a@b.test',
  '<a@b.test>',
  'Group:',
  '; name=',
  "*=utf-8''",
  '=0D',
  '+AGE-',
  '\r\n--b',
  'QUJD',
  '%25',
  '\\Seen',
  '__proto__',
];

/** Text made of runs of one unit each; fast-check prints the recipe, not the kilobytes it makes. */
export class Runs {
  constructor(readonly runs: ReadonlyArray<readonly [string, number]>) {}
  toString(): string {
    return this.runs.map(([unit, length]) => (unit || 'x').repeat(length).slice(0, length)).join('');
  }
  [fc.toStringMethod](): string {
    return this.runs.map(([unit, length]) => `${JSON.stringify(unit)}×${length}`).join(' + ');
  }
}

const unit = fc.oneof(fc.constantFrom(...UNITS), fc.string({ maxLength: 4 }));

/** One to three runs, each from a few characters to `maxRun` long. */
export function runsText(maxRun = 40_000): fc.Arbitrary<Runs> {
  return fc
    .array(fc.tuple(unit, fc.oneof(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: maxRun }))), {
      minLength: 1,
      maxLength: 3,
    })
    .map((runs) => new Runs(runs));
}

/** A few short runs: names, parameters, boundaries. */
export const shortText = fc
  .array(fc.tuple(fc.constantFrom(...UNITS), fc.integer({ min: 1, max: 6 })), { maxLength: 4 })
  .map((runs) => new Runs(runs));
