/**
 * pass@k with the unbiased estimator of Chen et al. 2021 ("Evaluating Large Language Models
 * Trained on Code"): from n samples of which c are correct, the probability that at least one
 * of k drawn without replacement is correct, 1 - C(n-c, k) / C(n, k). The ratio of binomials is
 * computed as a product of k factors (1 - k/i), which never overflows.
 */
export function passAtK(n: number, c: number, k: number): number {
  if (!(Number.isInteger(n) && n >= 1)) throw new Error(`passAtK: n (samples) must be a whole number >= 1, got ${n}`);
  if (!(Number.isInteger(c) && c >= 0 && c <= n)) throw new Error(`passAtK: c (correct) must be a whole number in [0, n=${n}], got ${c}`);
  if (!(Number.isInteger(k) && k >= 1 && k <= n)) throw new Error(`passAtK: k must be a whole number in [1, n=${n}], got ${k}`);
  if (n - c < k) return 1; // every draw of k contains a correct sample
  let allWrong = 1;
  for (let i = n - c + 1; i <= n; i++) allWrong *= 1 - k / i;
  return 1 - allWrong;
}

/** The k values worth reporting for K samples per problem: 1, the usual 5/10/..., and K itself. */
export function reportedKs(samples: number): number[] {
  const ks = [1, 2, 5, 10, 20, 50, 100].filter((k) => k <= samples);
  if (!ks.includes(samples)) ks.push(samples);
  return ks;
}
