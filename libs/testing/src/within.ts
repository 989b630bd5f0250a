/**
 * Resolves true if `promise` was fulfilled within `ms`, false if it was still pending then, and
 * rejects with its error if it rejected first. The timer never outlives it (a timer left running
 * keeps Jest's process alive after the last test).
 */
export async function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise.then(() => true),
      new Promise<boolean>((done) => {
        timer = setTimeout(() => done(false), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
