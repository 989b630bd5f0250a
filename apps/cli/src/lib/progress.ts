// glanceclient's --progress bar for uploads and downloads: "[=========>          ] 49%".
// glanceclient draws it on stdout; here it goes to stderr so that `image-download > file` and
// pipes keep clean data, and only when stderr is a terminal (a log file gets no \r noise).

export interface Progress {
  /** Count `bytes` more as transferred. */
  advance(bytes: number): void;
  /** Ends the bar's line so that later output starts on a fresh one. */
  done(): void;
}

/** The stream the bar may draw on: stderr by default; anything with isTTY and write() in tests. */
export interface ProgressStream {
  isTTY?: boolean;
  write(chunk: string): unknown;
}

const BAR_WIDTH = 30;

/** Python 3's round(): halves go to the even neighbour. */
function roundHalfEven(x: number): number {
  const rounded = Math.round(x);
  return Math.abs(x % 1) === 0.5 && rounded % 2 !== 0 ? rounded - 1 : rounded;
}

/** The bar text for a fraction in [0, 1], formatted like glanceclient's '\r[{0:<30}] {1:.0%}'. */
export function renderProgressBar(fraction: number): string {
  const arrow = '='.repeat(roundHalfEven(fraction * (BAR_WIDTH - 1))) + '>';
  return `\r[${arrow.padEnd(BAR_WIDTH)}] ${roundHalfEven(fraction * 100)}%`;
}

const NO_PROGRESS: Progress = { advance: () => undefined, done: () => undefined };

/** A progress bar for `totalBytes`, or a no-op when the stream is not a terminal or the size unknown. */
export function createProgress(totalBytes: number, stream: ProgressStream = process.stderr): Progress {
  if (!stream.isTTY || !(totalBytes > 0)) return NO_PROGRESS;
  let transferred = 0;
  let lastDrawn = '';
  let finished = false;
  return {
    advance(bytes: number) {
      transferred += bytes;
      const bar = renderProgressBar(Math.min(transferred / totalBytes, 1));
      // Chunks arrive by the thousand: redraw only when the text changes.
      if (bar !== lastDrawn) {
        stream.write(bar);
        lastDrawn = bar;
      }
    },
    done() {
      if (finished) return;
      finished = true;
      if (lastDrawn) stream.write('\n');
    },
  };
}
