import { locationDataKey } from './location-data';

describe('locationDataKey', () => {
  it.each([
    ['file:///srv/images/a', 'file:///srv/images/a'],
    ['file:///srv/images/../images/./a', 'file:///srv/images/a'],
    ['file:////srv//images/a', 'file:///srv/images/a'],
    ['rbd://fsid/pool/image/snap', 'rbd://fsid/pool/image'],
    ['rbd://fsid/pool/image/other', 'rbd://fsid/pool/image'],
    ['rbd://fs%69d/pool/image/snap', 'rbd://fsid/pool/image'],
    ['rbd://image', 'rbd:///image'],
  ])('%s names the data %s', (url, key) => {
    expect(locationDataKey(url)).toBe(key);
  });

  it.each([
    'https://example.org/x',
    'http://example.org/x',
    'file://host/srv/x',
    'rbd://a/b',
    'rbd://a//c/d',
    'rbd://%zz',
    'swift://x',
  ])('%s names no data glance-ts deletes', (url) => {
    expect(locationDataKey(url)).toBeNull();
  });
});
