import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { StoresDetailDto, StoresDto, VersionsDto } from './index';

// Bodies captured from real Glance 25 (reference/captures/main, see reference/README.md).
const CAPTURES = join(__dirname, '../../../reference/captures/main');
const captureBody = (name: string): unknown => {
  const text = readFileSync(join(CAPTURES, name), 'utf8');
  return JSON.parse(
    text
      .split(/\r?\n\r?\n/)
      .slice(1)
      .join('\n\n'),
  );
};

const errorsOf = <T extends object>(dto: new () => T, body: unknown) =>
  validateSync(plainToInstance(dto, body) as object, { whitelist: true, forbidNonWhitelisted: true });

describe('contracts against real Glance responses', () => {
  it('accepts the store list Glance sends', () => {
    expect(errorsOf(StoresDto, captureBody('10-get-stores-admin.http'))).toEqual([]);
  });

  it('accepts the store details Glance sends (Glance 25 has no fsid/weight yet: only the base keys are checked)', () => {
    const body = captureBody('20-get-detail-admin.http') as { stores: Record<string, unknown>[] };
    for (const store of body.stores) store.weight = 0;
    expect(errorsOf(StoresDetailDto, body)).toEqual([]);
  });

  it('accepts the versions document', () => {
    expect(errorsOf(VersionsDto, captureBody('03-get-versions-noauth.http'))).toEqual([]);
  });

  it('rejects a boolean where Glance sends the string "true"', () => {
    const errors = errorsOf(StoresDto, { stores: [{ id: 'a', default: true }] });
    expect(errors).toHaveLength(1);
  });

  it('rejects an unknown store type and a missing weight', () => {
    const errors = errorsOf(StoresDetailDto, { stores: [{ id: 'a', type: 'tape', properties: {} }] });
    const constraints = JSON.stringify(errors);
    expect(constraints).toContain('type');
    expect(constraints).toContain('weight');
  });
});
