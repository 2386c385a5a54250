/**
 * Bounded fan-out: at most `limit` calls in flight, results in input order. Never one
 * Promise.all over a whole split (Temporal caps pending activities; history stays readable).
 */
export async function mapWindowed<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane));
  return results;
}
