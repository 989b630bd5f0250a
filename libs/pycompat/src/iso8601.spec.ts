import { parseIsoTime } from './iso8601';

describe('parseIsoTime (iso8601.parse_date + normalize_time)', () => {
  it.each<[string, string]>([
    ['2024-01-02T03:04:05Z', '2024-01-02T03:04:05.000Z'],
    ['2024-01-02T03:04:05+01:30', '2024-01-02T01:34:05.000Z'],
    ['2024-01-02 03:04:05-0100', '2024-01-02T04:04:05.000Z'],
    ['20240102T0304', '2024-01-02T03:04:00.000Z'],
    ['2024-1-2', '2024-01-02T00:00:00.000Z'],
    ['2024', '2024-01-01T00:00:00.000Z'],
    ['2024-01-02T03:04:05,123456789', '2024-01-02T03:04:05.123Z'],
    ['2024-01-02T03:04:05Z\n', '2024-01-02T03:04:05.000Z'],
    ['0050-06-01', '0050-06-01T00:00:00.000Z'],
  ])('%j → %s', (text, iso) => {
    expect(parseIsoTime(text)?.date?.toISOString()).toBe(iso);
  });

  it('keeps microseconds', () => {
    expect(parseIsoTime('2024-01-02T03:04:05.9999999')?.utc?.microsecond).toBe(999999);
  });

  it.each([
    '202401',
    '2024-02-30',
    '2023-02-29',
    '2024-01-01T24:00',
    '2024-01-01T10:60',
    '2024-01-01t10:00',
    '2024-01-01T10:00z',
    '2024-01-01T10:00+24:00',
    'yesterday',
    '',
    '0000-01-01',
    '2024-01-01T10:00:00.' + '9'.repeat(29),
  ])('refuses %j', (text) => {
    expect(parseIsoTime(text)).toBeUndefined();
  });

  it('parses a time whose UTC form leaves the calendar, but has no instant for it', () => {
    expect(parseIsoTime('0001-01-01T00:00:00+01:00')).toEqual({ utc: null, date: null });
  });
});
