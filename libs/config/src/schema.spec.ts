import { STORE_TYPES } from './config-types';
import { describeFsError, formatConfigMessage } from './errors';
import { describeStoreTypes, STORE_TYPE_SCHEMAS } from './schema';

describe('describeStoreTypes', () => {
  const described = describeStoreTypes();

  it('lists every known store type in order, with the common options first', () => {
    expect(described.map((entry) => entry.type)).toEqual([...STORE_TYPES]);
    for (const entry of described)
      expect(entry.options.slice(0, 2).map((option) => option.name)).toEqual(['store_description', 'weight']);
  });

  it('marks only http as read-only', () => {
    expect(described.filter((entry) => entry.readOnly).map((entry) => entry.type)).toEqual(['http']);
  });

  it("describes options with Glance's names, types and defaults", () => {
    const rbd = described.find((entry) => entry.type === 'rbd');
    expect(rbd?.options.find((option) => option.name === 'rbd_store_chunk_size')).toMatchObject({
      type: 'integer >= 1',
      default: 8,
      required: false,
      used: true,
    });
    const s3 = described.find((entry) => entry.type === 's3');
    expect(s3?.options.find((option) => option.name === 's3_store_secret_key')).toMatchObject({
      required: true,
      secret: true,
      default: null,
    });
    const http = described.find((entry) => entry.type === 'http');
    expect(http?.options.find((option) => option.name === 'http_proxy_information')).toMatchObject({
      default: {},
      used: false,
    });
    const file = described.find((entry) => entry.type === 'file');
    expect(file?.options.find((option) => option.name === 'filesystem_store_datadir')).toMatchObject({
      required: true,
      path: true,
    });
  });

  it('has no option twice within a store type', () => {
    for (const entry of described) {
      const names = entry.options.map((option) => option.name);
      expect(new Set(names).size).toBe(names.length);
    }
  });

  it('keys every schema by its own type', () => {
    for (const type of STORE_TYPES) expect(STORE_TYPE_SCHEMAS[type].type).toBe(type);
  });
});

describe('message helpers', () => {
  it('formats locations, leaving out missing parts', () => {
    expect(formatConfigMessage({ file: 'a.conf', line: 3, section: 's', key: 'k' }, 'bad')).toBe(
      'a.conf:3: [s] k: bad',
    );
    expect(formatConfigMessage({ file: 'a.conf', section: 's', key: 'k' }, 'bad')).toBe('a.conf: [s] k: bad');
    expect(formatConfigMessage({ file: 'a.conf' }, 'bad')).toBe('a.conf: bad');
    expect(formatConfigMessage({ file: null }, 'two\nlines')).toBe('two\\nlines');
  });

  it('turns file system errors into short phrases', () => {
    const withCode = (code: string) => Object.assign(new Error(`${code}: long node message`), { code });
    expect(describeFsError(withCode('ENOENT'))).toBe('file not found');
    expect(describeFsError(withCode('EACCES'))).toBe('permission denied');
    expect(describeFsError(withCode('EISDIR'))).toBe('is a directory, not a file');
    expect(describeFsError(withCode('EIO'))).toBe('EIO: long node message');
  });
});
