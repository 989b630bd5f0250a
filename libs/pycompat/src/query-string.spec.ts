import { parseWebobQueryString } from './query-string';

describe('query strings as webob reads them', () => {
  it.each<[string, Array<[string, string]>]>([
    [
      'a=1&b=2',
      [
        ['a', '1'],
        ['b', '2'],
      ],
    ],
    ['?a=1', [['a', '1']]],
    [
      'a=1;b=2',
      [
        ['a', '1'],
        ['b', '2'],
      ],
    ],
    [
      'a&b=',
      [
        ['a', ''],
        ['b', ''],
      ],
    ],
    ['&&a=1&', [['a', '1']]],
    ['a=x+y%2Bz', [['a', 'x y+z']]],
    ['a=b=c', [['a', 'b=c']]],
    ['a=%C3%A9%E4%B8%AD', [['a', 'é中']]],
    ['a=%zz%4', [['a', '%zz\x04']]],
    ['a=%4%41', [['a', '\x04A']]],
    ['a=%%41', [['a', '%A']]],
    ['a=%+1x', [['a', '\x01x']]],
    ['a=%EF%BB%BFx', [['a', '\ufeffx']]],
    ['a=%FF', [['a', '\ufffd']]],
    ['a=é', [['a', '\ufffd']]],
    ['a=\u00c3\u00a9', [['a', 'é']]],
  ])('%j', (raw, pairs) => {
    expect(parseWebobQueryString(raw)).toEqual(pairs);
  });
});
