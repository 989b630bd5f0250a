import { AddressGuard } from './http-address-guard';

describe('AddressGuard', () => {
  const guard = new AddressGuard();

  it.each(['8.8.8.8', '1.1.1.1', '151.101.1.69', '2001:4860:4860::8888', '2a00:1450:4001:80e::200e'])(
    'allows the public address %s',
    (address) => {
      expect(guard.allows(address)).toBe(true);
    },
  );

  it.each([
    ['0.0.0.0', 'this network'],
    ['10.1.2.3', 'private'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['169.254.169.254', 'link-local (metadata service)'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['198.18.0.1', 'benchmarking'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['fe80::1', 'link-local'],
    ['fc00::1', 'unique-local'],
    ['fd12:3456::1', 'unique-local'],
    ['ff02::1', 'multicast'],
    ['::ffff:10.0.0.1', 'IPv4-mapped private'],
    ['::ffff:7f00:1', 'IPv4-mapped loopback, hex'],
    ['64:ff9b::a00:1', 'NAT64 of 10.0.0.1'],
    ['2002:a9fe:a9fe::', '6to4 of 169.254.169.254'],
    ['not-an-address', 'not an address'],
  ])('refuses %s (%s)', (address) => {
    expect(guard.allows(address)).toBe(false);
  });

  it('lets the operator allow networks that are not public', () => {
    const allowing = new AddressGuard(['10.0.0.0/8', 'fd00::/8', '127.0.0.1']);
    expect(allowing.allows('10.20.30.40')).toBe(true);
    expect(allowing.allows('::ffff:10.0.0.1')).toBe(true);
    expect(allowing.allows('fd12::1')).toBe(true);
    expect(allowing.allows('127.0.0.1')).toBe(true);
    expect(allowing.allows('127.0.0.2')).toBe(false);
    expect(allowing.allows('192.168.0.1')).toBe(false);
  });

  it('fails a lookup whose name resolves to a refused address', async () => {
    const error = await new Promise<NodeJS.ErrnoException | null>((resolve) =>
      guard.lookup('localhost', {}, (caught) => resolve(caught)),
    );
    expect(error?.code).toBe('EADDRNOTALLOWED');
  });
});
