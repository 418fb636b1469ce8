const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/** RFC 5322 §4.3 obsolete zones, in minutes east of UTC; others count as -0000. */
const NAMED_ZONES: Record<string, number> = {
  ut: 0,
  utc: 0,
  gmt: 0,
  z: 0,
  est: -300,
  edt: -240,
  cst: -360,
  cdt: -300,
  mst: -420,
  mdt: -360,
  pst: -480,
  pdt: -420,
};

// [day-of-week ","] day month year hour ":" minute [":" second] [zone]
const RFC5322_DATE =
  /^(?:[a-z]+\.?,?\s*)?(\d{1,2})[\s-]+([a-z]{3})[a-z]*\.?[\s-]+(\d{2,4}),?\s+(\d{1,2}):(\d{1,2})(?::(\d{1,2}))?(?:\.\d+)?\s*([+-]\d{1,2}:?\d{2}|[a-z]+)?/;
// asctime(): "Tue Jul  1 10:52:37 2003"
const ASCTIME_DATE = /^[a-z]{3}\s+([a-z]{3})\s+(\d{1,2})\s+(\d{1,2}):(\d{2}):(\d{2})\s+(\d{4})$/;
const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}[t ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:z|[+-]\d{2}:?\d{2})$/;

function fullYear(year: string): number {
  const n = Number(year);
  // RFC 5322 §4.3: two-digit years 00–49 are 20xx, 50–99 19xx; three-digit add 1900.
  if (year.length === 2) return n < 50 ? 2000 + n : 1900 + n;
  if (year.length === 3) return 1900 + n;
  return n;
}

function zoneMinutes(zone: string | undefined): number {
  if (!zone) return 0;
  const numeric = /^([+-])(\d{1,2}):?(\d{2})$/.exec(zone);
  if (numeric) {
    const minutes = Number(numeric[2]) * 60 + Number(numeric[3]);
    return numeric[1] === '-' ? -minutes : minutes;
  }
  return NAMED_ZONES[zone] ?? 0;
}

function build(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  zone: number,
): string | null {
  if (month < 0 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return null;
  const check = new Date(Date.UTC(year, month, day));
  if (check.getUTCDate() !== day || year < 1000) return null;
  const ms = Date.UTC(year, month, day, hour, minute, Math.min(second, 59)) - zone * 60_000;
  return Number.isFinite(ms) ? new Date(ms).toISOString() : null;
}

/**
 * Parses an RFC 5322 §3.3 date (with the obsolete forms of §4.3: two-digit
 * years, named zones, comments) to ISO 8601 UTC. Returns null when the value
 * is not a date; never guesses a local time zone.
 */
export function parseHeaderDate(value: string | null | undefined): string | null {
  if (!value) return null;
  const text = value
    .replace(/\([^()]*\)/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .toLowerCase();
  const m = RFC5322_DATE.exec(text);
  if (m) {
    return build(
      fullYear(m[3]!),
      MONTHS.indexOf(m[2]!),
      Number(m[1]),
      Number(m[4]),
      Number(m[5]),
      Number(m[6] ?? 0),
      zoneMinutes(m[7]),
    );
  }
  const a = ASCTIME_DATE.exec(text);
  if (a) {
    return build(
      Number(a[6]),
      MONTHS.indexOf(a[1]!),
      Number(a[2]),
      Number(a[3]),
      Number(a[4]),
      Number(a[5]),
      0,
    );
  }
  if (ISO_WITH_ZONE.test(text)) {
    const ms = Date.parse(text.toUpperCase());
    return Number.isFinite(ms) ? new Date(ms).toISOString() : null;
  }
  return null;
}
