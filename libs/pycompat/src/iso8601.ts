/**
 * oslo.utils' `timeutils.parse_isotime` (the `iso8601` library's `parse_date`) followed by
 * `normalize_time`, as Glance reads times in its list filters. The grammar is the
 * library's regular expression — more lenient than ISO 8601 in places (`2024-1-5`, `20240105T10`,
 * a space for `T`, `,` before the fraction, `+0100`), stricter in others (no lowercase `z`, no
 * week dates) — and the ranges are those of Python's datetime.
 */

export interface UtcDateTime {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  /** Python keeps microseconds; a JavaScript Date keeps milliseconds. */
  readonly microsecond: number;
}

/**
 * A time `parse_isotime` accepts. `utc` and `date` are null when converting it to UTC leaves
 * datetime's range (0001-01-01T00:00:00+01:00): Python raises OverflowError there.
 */
export interface ParsedIsoTime {
  /** The instant in UTC, to the microsecond (as Python holds it). */
  readonly utc: UtcDateTime | null;
  /** The same instant, truncated to the millisecond. */
  readonly date: Date | null;
}

// iso8601's pattern, with Python's `$` (end, or before a final newline) spelled out for JavaScript.
const ISO8601 = new RegExp(
  [
    '^(?<year>[0-9]{4})',
    '(',
    '(-(?<monthdash>[0-9]{1,2})|(?<month>[0-9]{2})(?!\\n?$))',
    '(',
    '(-(?<daydash>[0-9]{1,2})|(?<day>[0-9]{2}))',
    '(',
    '(?<separator>[ T])(?<hour>[0-9]{2})',
    '(:?(?<minute>[0-9]{2}))?',
    '(:?(?<second>[0-9]{1,2})([.,](?<secondFraction>[0-9]+))?)?',
    '(?<timezone>Z|((?<tzSign>[-+])(?<tzHour>[0-9]{2}):?(?<tzMinute>[0-9]{2})?))?',
    ')?',
    ')?',
    ')?',
    '(?=\\n?$)',
  ].join(''),
);

const MINUTES_PER_DAY = 24 * 60;

/** The parsed time, or undefined where `parse_isotime` raises ValueError. */
export function parseIsoTime(text: string): ParsedIsoTime | undefined {
  const groups = ISO8601.exec(text)?.groups;
  if (!groups) return undefined;
  const number = (value: string | undefined, fallback: number) =>
    value === undefined ? fallback : Number(value);
  const year = number(groups.year, 0);
  const month = number(groups.month ?? groups.monthdash, 1);
  const day = number(groups.day ?? groups.daydash, 1);
  const hour = number(groups.hour, 0);
  const minute = number(groups.minute, 0);
  const second = number(groups.second, 0);
  const microsecond = fractionToMicroseconds(groups.secondFraction ?? '0');

  // datetime's ranges; a leap second or 24:00 is refused.
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59 || microsecond > 999_999) return undefined;

  let offsetMinutes = 0;
  if (groups.tzSign !== undefined) {
    offsetMinutes = Number(groups.tzHour) * 60 + number(groups.tzMinute, 0);
    if (groups.tzSign === '-') offsetMinutes = -offsetMinutes;
    // datetime.timezone takes offsets strictly within a day (minutes may exceed 59: +00:99 is fine).
    if (Math.abs(offsetMinutes) >= MINUTES_PER_DAY) return undefined;
  }

  const local = new Date(0);
  local.setUTCFullYear(year, month - 1, day);
  local.setUTCHours(hour, minute, second, Math.floor(microsecond / 1000));
  const date = new Date(local.getTime() - offsetMinutes * 60_000);
  const utcYear = date.getUTCFullYear();
  if (utcYear < 1 || utcYear > 9999) return { utc: null, date: null };
  return {
    utc: {
      year: utcYear,
      month: date.getUTCMonth() + 1,
      day: date.getUTCDate(),
      hour: date.getUTCHours(),
      minute: date.getUTCMinutes(),
      second: date.getUTCSeconds(),
      microsecond,
    },
    date,
  };
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/**
 * `int(Decimal('0.' + fraction) * Decimal('1000000.0'))` under Python's default 28-digit decimal
 * context: exact unless the fraction has more than 28 significant digits, which are then rounded
 * half-even first (so `0.999…9` with 29 nines becomes a full second, and is refused).
 */
function fractionToMicroseconds(fraction: string): number {
  const significant = fraction.replace(/^0+/, '');
  let coefficient = BigInt(significant || '0');
  const excess = significant.length - 28;
  if (excess > 0) {
    const unit = 10n ** BigInt(excess);
    const quotient = coefficient / unit;
    const remainder = coefficient % unit;
    const half = unit / 2n;
    const roundUp = remainder > half || (remainder === half && quotient % 2n === 1n);
    coefficient = (quotient + (roundUp ? 1n : 0n)) * unit;
  }
  const scaled = (coefficient * 1_000_000n) / 10n ** BigInt(fraction.length);
  return Number(scaled);
}
