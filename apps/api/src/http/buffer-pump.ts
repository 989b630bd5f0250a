import type { ServerResponse } from 'node:http';
import { BufferPool, type BufferSource } from '@glance-ts/stores';

/**
 * Download buffers: 1 MiB each, up to 16 kept (16 MiB) per worker. Measured on a 1 GiB download
 * from the page cache, one worker (median of 5): 64 KiB × 8 in flight 1.08 s wall / 1.12 core-s,
 * 256 KiB × 4 0.59 s / 0.59, 1 MiB × 4 0.53–0.55 s / 0.40–0.45, 2–4 MiB × 2 0.50–0.53 s / 0.36–0.39:
 * per-chunk costs (a thread-pool read, a socket write) dominate below 1 MiB; above, little changes
 * and each download holds more.
 */
export const DOWNLOAD_BUFFERS = new BufferPool(1024 * 1024, 16);

/** Buffers in flight per download: the read-ahead, and the bound a slow client can hold (4 MiB). */
export const DOWNLOAD_BUFFERS_IN_FLIGHT = 4;

/**
 * Copies `source` to `response` (whose head is already written) through pooled buffers: a buffer
 * goes back to the pool when the socket has taken its bytes (the write callback), and at most
 * `inFlight` buffers are out at once, being read or with the socket — that is the backpressure: a
 * client that stops reading stops the reads, and holds at most inFlight × bufferBytes. Up to the
 * source's `readAhead` reads run at once (delivered in order). Resolves when the response has
 * ended; a read failure or a short source destroys the response (the client sees a short body, as
 * with a stream) and rejects; a client hang-up stops the copy and resolves. The source is destroyed
 * in every case, after the reads still running have returned (their buffers are the source's until
 * then).
 */
export async function pumpToResponse(
  source: BufferSource,
  response: ServerResponse,
  expectedBytes: number,
  pool: BufferPool = DOWNLOAD_BUFFERS,
  inFlight: number = DOWNLOAD_BUFFERS_IN_FLIGHT,
): Promise<void> {
  const readAhead = Math.max(1, Math.min(source.readAhead ?? 1, inFlight));
  /** Buffers with the socket. */
  let out = 0;
  /** Reads started and not yet sent, in order. */
  const reads: Array<{ buffer: Buffer; bytes: Promise<number> }> = [];
  let wake: (() => void) | null = null;
  const notify = () => {
    const resume = wake;
    wake = null;
    resume?.();
  };
  const gone = () => response.destroyed || response.writableEnded;
  response.on('close', notify);
  try {
    let sent = 0;
    let requested = 0;
    while (sent < expectedBytes && !gone()) {
      // One read at least (a source that ended early answers 0), more up to the read-ahead.
      while (
        reads.length < readAhead &&
        out + reads.length < inFlight &&
        (requested < expectedBytes || reads.length === 0)
      ) {
        const buffer = pool.take();
        const bytes = source.readInto(buffer);
        bytes.catch(() => undefined); // surfaced in order below
        reads.push({ buffer, bytes });
        requested += buffer.length;
      }
      if (reads.length === 0) {
        // Every buffer is with the socket.
        await new Promise<void>((resolve) => (wake = resolve));
        continue;
      }
      const head = reads[0];
      const bytes = await head.bytes;
      reads.shift();
      if (bytes === 0) {
        pool.give(head.buffer);
        throw new Error(`the data ended ${expectedBytes - sent} bytes early`);
      }
      if (gone()) {
        pool.give(head.buffer);
        break;
      }
      out++;
      sent += bytes;
      const buffer = head.buffer;
      response.write(bytes === buffer.length ? buffer : buffer.subarray(0, bytes), () => {
        // Called once the socket no longer needs the bytes (written, or the write failed).
        out--;
        pool.give(buffer);
        notify();
      });
    }
    if (!gone()) response.end();
  } catch (error) {
    response.destroy();
    throw error;
  } finally {
    response.off('close', notify);
    // A read that failed or was not sent: its buffer returns once the source is done with it.
    await Promise.allSettled(reads.map((read) => read.bytes));
    for (const read of reads) pool.give(read.buffer);
    source.destroy();
  }
}
