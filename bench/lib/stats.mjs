// Order statistics for latency samples. Medians, never means: one GC pause or a
// scheduler hiccup on a shared machine must not move the headline number.

export function quantile(samples, q) {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  return sorted[low] + (sorted[high] - sorted[low]) * (position - low);
}

export const median = (samples) => quantile(samples, 0.5);

/** Rounds for JSON and tables: 3 significant decimals below 10, fewer above. */
export function round(value) {
  if (!Number.isFinite(value)) return value;
  const digits = Math.abs(value) < 10 ? 3 : Math.abs(value) < 1000 ? 1 : 0;
  return Number(value.toFixed(digits));
}

/** Times `fn` (sync or async) `count` times; returns the per-call milliseconds. */
export async function sampleMs(fn, count) {
  const samples = [];
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    await fn(i);
    samples.push(performance.now() - start);
  }
  return samples;
}

/** Like `sampleMs` for synchronous work, without an await between calls. */
export function sampleSyncMs(fn, count) {
  const samples = [];
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    fn(i);
    samples.push(performance.now() - start);
  }
  return samples;
}
