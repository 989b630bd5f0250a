import {
  booleanType,
  choiceType,
  dictType,
  hostAddressType,
  httpUrlType,
  integerType,
  listType,
  nullableStringType,
  OptionValueError,
  portType,
} from './types';

describe('option types (oslo.config types)', () => {
  describe('boolean', () => {
    it.each(['true', 'TRUE', 'True', 'yes', 'YES', 'on', 'On', '1'])('reads %s as true', (raw) => {
      expect(booleanType().parse(raw)).toBe(true);
    });
    it.each(['false', 'False', 'no', 'NO', 'off', 'OFF', '0'])('reads %s as false', (raw) => {
      expect(booleanType().parse(raw)).toBe(false);
    });
    it.each(['', 'y', 'n', 't', '2', 'enabled'])('refuses %j', (raw) => {
      expect(() => booleanType().parse(raw)).toThrow(OptionValueError);
    });
  });

  describe('integer', () => {
    it('reads signed decimal integers', () => {
      expect(integerType().parse('42')).toBe(42);
      expect(integerType().parse('-3')).toBe(-3);
      expect(integerType().parse('+7')).toBe(7);
    });
    it.each(['eight', '8.0', '0x10', '', '1e3', '8 MiB'])('refuses %j with the value quoted', (raw) => {
      expect(() => integerType().parse(raw)).toThrow(`expected an integer, got ${JSON.stringify(raw)}`);
    });
    it('enforces bounds', () => {
      expect(() => integerType({ min: 1 }).parse('0')).toThrow('must be at least 1, got 0');
      expect(() => integerType({ max: 32 }).parse('33')).toThrow('must be at most 32, got 33');
      expect(() => integerType({ min: 0, max: 32 }).parse('-1')).toThrow('must be between 0 and 32, got -1');
      expect(integerType({ min: 0, max: 32 }).parse('32')).toBe(32);
    });
    it('refuses integers too large to represent exactly', () => {
      expect(() => integerType().parse('99999999999999999999')).toThrow('integer out of range');
    });
  });

  describe('port', () => {
    it('accepts 0..65535', () => {
      expect(portType().parse('0')).toBe(0);
      expect(portType().parse('65535')).toBe(65535);
    });
    it('refuses values outside the range and non-numbers', () => {
      expect(() => portType().parse('65536')).toThrow('must be between 0 and 65535, got 65536');
      expect(() => portType().parse('http')).toThrow('expected an integer, got "http"');
    });
  });

  describe('list', () => {
    it('splits on commas and strips items; empty text is an empty list', () => {
      expect(listType().parse(' a , b,c ')).toEqual(['a', 'b', 'c']);
      expect(listType().parse('')).toEqual([]);
      expect(listType().parse('a,,b,')).toEqual(['a', 'b']);
    });
    it('accepts a [ ] literal with quoted items when the option allows it', () => {
      const type = listType({ bounds: true, quotes: true });
      expect(type.parse('[\'glance-direct\', "web-download"]')).toEqual(['glance-direct', 'web-download']);
      expect(type.parse('[copy-image]')).toEqual(['copy-image']);
      expect(type.parse("'a,b', c")).toEqual(['a,b', 'c']);
      expect(() => type.parse('[a, b')).toThrow('does not end with "]"');
      expect(() => type.parse("'a, b")).toThrow("unbalanced ' quote");
    });
    it('keeps brackets and quotes as text when the option does not allow them', () => {
      expect(listType().parse('[a, "b"]')).toEqual(['[a', '"b"]']);
    });
  });

  describe('dict', () => {
    it('reads key:value pairs in order, split at the first colon', () => {
      expect(dictType().parse('fast:rbd, cheap : file,url:http://x:1')).toEqual([
        ['fast', 'rbd'],
        ['cheap', 'file'],
        ['url', 'http://x:1'],
      ]);
      expect(dictType().parse('')).toEqual([]);
    });
    it('refuses a pair without colon and a repeated key', () => {
      expect(() => dictType().parse('fast:rbd, cheap')).toThrow(
        'expected key:value pairs separated by commas, got "cheap"',
      );
      expect(() => dictType().parse('a:file, a:rbd')).toThrow('"a" is listed more than once');
    });
    it('shows entries as a plain object', () => {
      expect(dictType().show?.([['a', 'b']])).toEqual({ a: 'b' });
    });
  });

  describe('strings', () => {
    it('maps an empty value of an optional string to null', () => {
      expect(nullableStringType().parse('')).toBeNull();
      expect(nullableStringType().parse('glance')).toBe('glance');
    });
    it('limits choices, case-sensitively', () => {
      const type = choiceType(['noauth', 'token_file'] as const);
      expect(type.parse('noauth')).toBe('noauth');
      expect(() => type.parse('NoAuth')).toThrow('unknown value "NoAuth" (known: noauth, token_file)');
    });
  });

  describe('host address', () => {
    it.each(['127.0.0.1', '0.0.0.0', '::1', '::', 'localhost', 'image.example.org'])('accepts %s', (raw) => {
      expect(hostAddressType().parse(raw)).toBe(raw);
    });
    it.each(['', 'not a host', 'http://x', '-bad.example'])('refuses %j', (raw) => {
      expect(() => hostAddressType().parse(raw)).toThrow('expected an IP address or a host name');
    });
  });

  describe('http URL', () => {
    it('accepts http(s) URLs verbatim and treats empty as not set', () => {
      expect(httpUrlType().parse('https://image.example.org:9292/')).toBe('https://image.example.org:9292/');
      expect(httpUrlType().parse('')).toBeNull();
    });
    it.each(['image.example.org', 'ftp://x', 'http//x'])('refuses %j', (raw) => {
      expect(() => httpUrlType().parse(raw)).toThrow('expected an http:// or https:// URL');
    });
  });
});
