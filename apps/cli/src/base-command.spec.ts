import { GlanceCommand } from './base-command';
import { GLOBAL_OPTIONS, findGlobalOption } from './lib/global-options';

describe('GlanceCommand', () => {
  it('accepts, as flags, exactly the global options the argv normaliser moves', () => {
    expect(Object.keys(GlanceCommand.baseFlags).sort()).toEqual(
      GLOBAL_OPTIONS.map((option) => option.name).sort(),
    );
    for (const option of GLOBAL_OPTIONS) {
      const flag = GlanceCommand.baseFlags[option.name as keyof typeof GlanceCommand.baseFlags];
      expect(flag.type).toBe(option.takesValue ? 'option' : 'boolean');
      expect(flag.aliases ?? []).toEqual(option.aliases ?? []);
      expect(flag.char).toBe(option.char);
    }
  });
});

describe('findGlobalOption', () => {
  it('recognises long names, aliases, --name=value and short forms, nothing else', () => {
    expect(findGlobalOption('--os-auth-token')?.name).toBe('os-auth-token');
    expect(findGlobalOption('--os_auth_token=x')?.name).toBe('os-auth-token');
    expect(findGlobalOption('-d')?.name).toBe('debug');
    expect(findGlobalOption('--detail')).toBeUndefined();
    expect(findGlobalOption('stores-info')).toBeUndefined();
  });
});
