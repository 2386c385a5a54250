/** The per-model concurrency cap: never more than `limit` holders, waiters served in order. */
import { Semaphore } from '../src/llm/semaphore';

const tick = () => new Promise((r) => setImmediate(r));

test('at most `limit` run at once, and waiters get their turn first come, first served', async () => {
  const sem = new Semaphore(2);
  const order: number[] = [];
  let active = 0;
  let peak = 0;
  const gates: Array<() => void> = [];
  const jobs = Array.from({ length: 5 }, (_, i) =>
    sem.run(async () => {
      order.push(i);
      active++;
      peak = Math.max(peak, active);
      await new Promise<void>((r) => gates.push(r));
      active--;
    }));
  await tick();
  expect(order).toEqual([0, 1]);
  expect(sem.queued).toBe(3);
  while (order.length < 5 || gates.length) {
    gates.shift()?.();
    await tick();
  }
  await Promise.all(jobs);
  expect(order).toEqual([0, 1, 2, 3, 4]);
  expect(peak).toBe(2);
  expect(sem.inFlight).toBe(0);
});

test('a failing holder releases its slot; releasing twice does not free two slots', async () => {
  const sem = new Semaphore(1);
  await expect(sem.run(async () => { throw new Error('boom'); })).rejects.toThrow('boom');
  const release = await sem.acquire();
  release();
  release();
  const a = await sem.acquire();
  let second = false;
  const b = sem.acquire().then((r) => { second = true; return r; });
  await tick();
  expect(second).toBe(false);
  a();
  (await b)();
  expect(sem.inFlight).toBe(0);
});

test('a limit below 1 is refused', () => {
  expect(() => new Semaphore(0)).toThrow('semaphore limit must be a whole number >= 1, got 0');
});
