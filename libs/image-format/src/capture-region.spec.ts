import { randomBytes } from 'node:crypto';
import { CaptureRegion, EndCaptureRegion } from './capture-region';

/** Feeds `data` to the region in chunks of the given sizes (cycled), as an inspector does. */
function feed(region: CaptureRegion, data: Buffer, sizes: number[]): void {
  let position = 0;
  for (let i = 0; position < data.length; i++) {
    const chunk = data.subarray(position, position + sizes[i % sizes.length]);
    position += chunk.length;
    if (region instanceof EndCaptureRegion || !region.complete) region.capture(chunk, position);
  }
}

const data = randomBytes(10_000);
const CHUNKINGS = [[1], [7], [511], [512], [4096], [10_000], [3, 1000, 1, 64]];

describe('CaptureRegion', () => {
  it.each(CHUNKINGS)('captures exactly its range, whatever the chunks (%p)', (...sizes) => {
    for (const [offset, length] of [
      [0, 512],
      [700, 3000],
      [9000, 1000],
      [4096, 1],
    ]) {
      const region = new CaptureRegion(offset, length);
      feed(region, data, sizes);
      expect(region.complete).toBe(true);
      expect(region.data).toEqual(data.subarray(offset, offset + length));
    }
  });

  it('stays incomplete when the stream ends inside it', () => {
    const region = new CaptureRegion(9500, 1000);
    feed(region, data, [4096]);
    expect(region.complete).toBe(false);
    expect(region.data).toEqual(data.subarray(9500));
  });

  it('with a minimum length, completes and stops once it holds that much', () => {
    const region = new CaptureRegion(0, 1 << 20, 4);
    feed(region, data, [3]);
    expect(region.complete).toBe(true);
    expect(region.data).toEqual(data.subarray(0, 6));
    const big = new CaptureRegion(0, 1 << 20, 4);
    feed(big, data, [5000]);
    expect(big.data).toEqual(data.subarray(0, 5000));
  });

  it('added after its start went by, holds the bytes that follow instead, as oslo', () => {
    const region = new CaptureRegion(100, 50);
    region.capture(data.subarray(120, 200), 200);
    expect(region.data).toEqual(data.subarray(120, 170));
  });

  it('never holds more than its length, and stops when its length is cut to what it holds', () => {
    const region = new CaptureRegion(0, 100);
    region.capture(data.subarray(0, 60), 60);
    region.length = 60;
    expect(region.complete).toBe(true);
    expect(region.data).toEqual(data.subarray(0, 60));
  });
});

describe('EndCaptureRegion', () => {
  it.each(CHUNKINGS)('keeps the last bytes of the stream, complete only once finished (%p)', (...sizes) => {
    const region = new EndCaptureRegion(1536);
    feed(region, data, sizes);
    expect(region.data).toEqual(data.subarray(data.length - 1536));
    expect(region.offset).toBe(data.length - 1536);
    expect(region.complete).toBe(false);
    region.finish();
    expect(region.complete).toBe(true);
  });

  it('is incomplete when the stream was shorter than it', () => {
    const region = new EndCaptureRegion(1536);
    feed(region, data.subarray(0, 1000), [7]);
    region.finish();
    expect(region.data).toEqual(data.subarray(0, 1000));
    expect(region.complete).toBe(false);
  });
});
