import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable, Writable } from 'node:stream';
import { CliError } from '../errors';
import {
  copyData,
  corruptDownloadMessage,
  integrityCheck,
  newHash,
  openDataSource,
  openDestination,
  osErrorMessage,
  withProgress,
} from './image-data';

const md5 = (text: string) => createHash('md5').update(text).digest('hex');
const sha512 = (text: string) => createHash('sha512').update(text).digest('hex');

describe('integrityCheck (images.data)', () => {
  it('prefers os_hash_value with its algorithm', () => {
    const check = integrityCheck(
      { checksum: md5('x'), os_hash_algo: 'sha512', os_hash_value: sha512('x') },
      undefined,
      false,
    );
    expect(check?.kind).toBe('Hash');
    check!.hash.update('x');
    expect(check!.hash.digest('hex')).toBe(check!.expected);
  });

  it('fails on an unknown algorithm unless MD5 fallback is allowed', () => {
    const image = { checksum: md5('x'), os_hash_algo: 'whirlpool512', os_hash_value: 'abc' };
    expect(() => integrityCheck(image, undefined, false)).toThrow(
      new CliError('unsupported hash type whirlpool512'),
    );
    expect(integrityCheck(image, undefined, true)).toMatchObject({ kind: 'Checksum', expected: md5('x') });
  });

  it("falls back to the image's checksum, then Content-MD5, then checks nothing", () => {
    expect(integrityCheck({ checksum: 'c' }, 'h', false)).toMatchObject({ kind: 'Checksum', expected: 'c' });
    expect(integrityCheck({ checksum: null }, 'h', false)).toMatchObject({ kind: 'Checksum', expected: 'h' });
    expect(integrityCheck({}, undefined, false)).toBeUndefined();
  });

  it("words a mismatch as glanceclient's IOError(EPIPE)", () => {
    const check = integrityCheck({ checksum: 'c0ffee' }, undefined, false)!;
    expect(corruptDownloadMessage(check, 'bad')).toBe(
      '[Errno 32] Corrupt image download. Checksum was bad expected c0ffee',
    );
  });

  it('maps Python hashlib names to OpenSSL ones', () => {
    expect(newHash('sha3_256')?.update('x').digest('hex')).toBe(
      createHash('sha3-256').update('x').digest('hex'),
    );
    expect(newHash('SHA256')).toBeDefined();
    expect(newHash('shake_128')).toBeUndefined();
  });
});

describe('data sources and destinations', () => {
  const dir = mkdtempSync(join(tmpdir(), 'glance-image-data-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('opens --file with its size, and refuses what Python would refuse', () => {
    const path = join(dir, 'disk.img');
    writeFileSync(path, 'hello');
    const source = openDataSource(path)!;
    source.stream.destroy();
    expect(source.size).toBe(5);
    expect(() => openDataSource(join(dir, 'missing'))).toThrow(
      new CliError(`[Errno 2] No such file or directory: '${join(dir, 'missing')}'`),
    );
    expect(() => openDataSource(dir)).toThrow(new CliError(`[Errno 21] Is a directory: '${dir}'`));
  });

  it('formats OS errors as Python does, with or without the path', () => {
    expect(osErrorMessage(Object.assign(new Error('x'), { code: 'EACCES' }), "it's")).toBe(
      `[Errno 13] Permission denied: "it's"`,
    );
    expect(osErrorMessage(Object.assign(new Error('x'), { code: 'ENOSPC' }))).toBe(
      '[Errno 28] No space left on device',
    );
  });

  it('copies to a file with backpressure, seeing every chunk once', async () => {
    const path = join(dir, 'out.img');
    // 64 KiB chunks against a 16 KiB file stream buffer: every write waits for 'drain'.
    const chunks = Array.from({ length: 40 }, (_, i) => Buffer.alloc(64 * 1024, i));
    const seen: number[] = [];
    const destination = openDestination(path);
    await copyData(Readable.from(chunks), destination.stream, {
      endDestination: true,
      onChunk: (chunk) => seen.push(chunk.length),
    });
    expect(readFileSync(path).equals(Buffer.concat(chunks))).toBe(true);
    expect(seen).toHaveLength(40);
  });

  it('fails with the destination error, leaving the source destroyed', async () => {
    const source = new PassThrough();
    source.write('abc');
    const broken = new Writable({
      write(_chunk, _encoding, callback) {
        callback(Object.assign(new Error('disk full'), { code: 'ENOSPC', syscall: 'write' }));
      },
    });
    await expect(copyData(source, broken, { endDestination: true })).rejects.toThrow('disk full');
    expect(source.destroyed).toBe(true);
  });

  it('feeds a progress bar from the stream without consuming it', async () => {
    const advanced: number[] = [];
    let done = 0;
    const stream = withProgress(Readable.from([Buffer.from('ab'), Buffer.from('cde')]), {
      advance: (bytes) => advanced.push(bytes),
      done: () => done++,
    });
    const received: Buffer[] = [];
    for await (const chunk of stream) received.push(chunk as Buffer);
    expect(Buffer.concat(received).toString()).toBe('abcde');
    expect(advanced).toEqual([2, 3]);
    expect(done).toBe(1);
  });
});
