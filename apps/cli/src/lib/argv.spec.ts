import { normalizeArgv } from './argv';

describe('normalizeArgv', () => {
  it('moves glanceclient-style global options behind the command id, values glued with "="', () => {
    expect(
      normalizeArgv([
        '--os-image-url',
        'http://h:9292',
        '--os-auth-token',
        'admin-token',
        'stores-info',
        '--detail',
      ]),
    ).toEqual(['stores-info', '--os-image-url=http://h:9292', '--os-auth-token=admin-token', '--detail']);
  });

  it('keeps boolean flags and --name=value forms as they are', () => {
    expect(normalizeArgv(['--debug', '-d', '--os-auth-token=t', 'stores-info'])).toEqual([
      'stores-info',
      '--debug',
      '-d',
      '--os-auth-token=t',
    ]);
  });

  it("accepts glanceclient's underscore spellings as value options", () => {
    expect(normalizeArgv(['--os_image_url', 'http://h', '--os_auth_token', 't', 'stores-info'])).toEqual([
      'stores-info',
      '--os_image_url=http://h',
      '--os_auth_token=t',
    ]);
  });

  it('keeps a value that starts with a dash attached to its option', () => {
    expect(normalizeArgv(['--os-auth-token', '-secret', 'stores-info'])).toEqual([
      'stores-info',
      '--os-auth-token=-secret',
    ]);
  });

  it("reads a leading -f as glanceclient's --force (after the command, -f is --format)", () => {
    expect(normalizeArgv(['-f', 'stores-info', '-f', 'json'])).toEqual([
      'stores-info',
      '--force',
      '-f',
      'json',
    ]);
  });

  it('does not touch anything after the command id', () => {
    const argv = ['stores-info', '--os-auth-token', 'stores-info', '-f', 'json'];
    expect(normalizeArgv(argv)).toEqual(argv);
  });

  it('runs help when there is no command, keeping the options', () => {
    expect(normalizeArgv([])).toEqual(['help']);
    expect(normalizeArgv(['--debug'])).toEqual(['help', '--debug']);
    expect(normalizeArgv(['--help'])).toEqual(['help', '--help']);
  });

  it('answers --version before any command', () => {
    expect(normalizeArgv(['--debug', '--version', 'stores-info'])).toEqual(['--version']);
  });

  it('moves unknown options too, so that oclif reports them for the command', () => {
    expect(normalizeArgv(['--bogus', 'stores-info'])).toEqual(['stores-info', '--bogus']);
  });

  it('treats the token after "--" as the command', () => {
    expect(normalizeArgv(['--debug', '--', 'stores-info', '--detail'])).toEqual([
      'stores-info',
      '--debug',
      '--detail',
    ]);
  });

  it('leaves a trailing value option without value for oclif to reject', () => {
    expect(normalizeArgv(['--os-auth-token'])).toEqual(['help', '--os-auth-token']);
  });
});
