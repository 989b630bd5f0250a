import { createProgress, renderProgressBar } from './progress';

function recordingStream(isTTY: boolean) {
  const writes: string[] = [];
  return { isTTY, writes, write: (chunk: string) => writes.push(chunk) };
}

describe('createProgress', () => {
  it('writes nothing at all when the stream is not a terminal', () => {
    const stream = recordingStream(false);
    const progress = createProgress(1000, stream);
    progress.advance(500);
    progress.advance(500);
    progress.done();
    expect(stream.writes).toEqual([]);
  });

  it('writes nothing for an unknown or empty size, even on a terminal', () => {
    const stream = recordingStream(true);
    for (const total of [0, NaN]) {
      const progress = createProgress(total, stream);
      progress.advance(10);
      progress.done();
    }
    expect(stream.writes).toEqual([]);
  });

  it('draws the bar on a terminal, redraws only on change and ends the line once', () => {
    const stream = recordingStream(true);
    const progress = createProgress(1000, stream);
    progress.advance(490);
    progress.advance(1); // 49.1%: same text, no redraw
    progress.advance(509);
    progress.done();
    progress.done();
    expect(stream.writes).toEqual([renderProgressBar(0.49), renderProgressBar(1), '\n']);
  });
});

describe('renderProgressBar', () => {
  it("matches glanceclient's '\\r[{0:<30}] {1:.0%}' layout", () => {
    expect(renderProgressBar(0)).toBe('\r[>                             ] 0%');
    expect(renderProgressBar(0.5)).toBe('\r[==============>               ] 50%'); // round(14.5) == 14
    expect(renderProgressBar(1)).toBe('\r[=============================>] 100%');
  });
});
