// Noise control and noise reporting on a shared machine.
import { readFileSync } from 'node:fs';

/**
 * Waits until this process has been nearly idle (< `threshold` of one core) for a
 * 200 ms window, e.g. until a client's background RSA key generation is over, so
 * that a steady-state measurement does not pay for it. Gives up after `maxMs`.
 */
export async function waitForQuiet({ threshold = 0.1, maxMs = 10_000 } = {}) {
  const start = performance.now();
  while (performance.now() - start < maxMs) {
    const before = process.cpuUsage();
    await new Promise((resolve) => setTimeout(resolve, 200));
    const used = process.cpuUsage(before);
    if ((used.user + used.system) / 1000 / 200 < threshold) return performance.now() - start;
  }
  return maxMs;
}

/**
 * Linux pressure-stall information for CPU: the share of the last 10 s in which
 * some runnable task waited for a CPU (0-100). High values mean other work on the
 * machine competed with the benchmark. Null where /proc/pressure is absent.
 */
export function cpuPressure() {
  try {
    const line = readFileSync('/proc/pressure/cpu', 'utf8').split('\n').find((l) => l.startsWith('some'));
    return Number(/avg10=([\d.]+)/.exec(line)[1]);
  } catch {
    return null;
  }
}
