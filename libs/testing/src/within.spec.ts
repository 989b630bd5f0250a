import { within } from './within';

// Fake timers: jest.getTimerCount() then counts exactly the timers `within` left behind.
beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

describe('within', () => {
  it('is true for a promise fulfilled in time, and its timer is gone at once', async () => {
    await expect(within(Promise.resolve('done'), 60_000)).resolves.toBe(true);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('is false for a promise still pending at the deadline', async () => {
    const answer = within(new Promise(() => undefined), 1_000);
    await jest.advanceTimersByTimeAsync(999);
    let settled = false;
    void answer.then(() => (settled = true));
    await Promise.resolve();
    expect(settled).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    await expect(answer).resolves.toBe(false);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('passes a rejection on, and its timer is gone at once', async () => {
    await expect(within(Promise.reject(new Error('exited badly')), 60_000)).rejects.toThrow('exited badly');
    expect(jest.getTimerCount()).toBe(0);
  });
});
