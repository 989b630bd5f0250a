import { formatRbdLocation, parseRbdLocation } from './rbd-location';

describe('rbd location URLs (glance_store StoreLocation)', () => {
  it('parses the four-part form and the old one-part form', () => {
    expect(parseRbdLocation('rbd://fsid-1/images/abc/snap')).toEqual({
      fsid: 'fsid-1',
      pool: 'images',
      image: 'abc',
      snapshot: 'snap',
    });
    expect(parseRbdLocation('rbd://abc')).toEqual({ fsid: null, pool: null, image: 'abc', snapshot: null });
  });

  it('percent-decodes each part and formats back to the same URL', () => {
    const url = 'rbd://f/my%2Fpool/img%20one/s%40p';
    expect(parseRbdLocation(url)).toEqual({ fsid: 'f', pool: 'my/pool', image: 'img one', snapshot: 's@p' });
    expect(formatRbdLocation({ fsid: 'f', pool: 'my/pool', image: 'img one', snapshot: 's@p' })).toBe(url);
  });

  it.each([
    ['file:///var/lib/glance/images/abc', 'URI must start with rbd://'],
    ['rbd://', 'URI cannot contain empty components'],
    ['rbd://fsid//abc/snap', 'URI cannot contain empty components'],
    ['rbd://fsid/images/abc', 'URI must have exactly 1 or 4 components'],
    ['rbd://a/b/c/d/e', 'URI must have exactly 1 or 4 components'],
    ['rbd://fsid/images/%E0%A4%A/snap', 'URI contains invalid percent-encoding'],
  ])('refuses %s: %s', (url, reason) => {
    expect(parseRbdLocation(url)).toBe(reason);
  });
});
