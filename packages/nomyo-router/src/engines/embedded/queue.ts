/**
 * A first-in, first-out turn queue: one holder at a time, the next turn handed
 * straight to the longest waiter, so a burst of requests is served in arrival
 * order and none starves. A waiter whose signal aborts leaves the line.
 */
export type Release = () => void;

interface Waiter {
  resolve(release: Release): void;
  reject(reason: unknown): void;
  signal: AbortSignal;
  onAbort(): void;
}

export class FifoQueue {
  #busy = false;
  #waiters: Waiter[] = [];
  #closedReason: unknown = undefined;
  #closed = false;

  /** Requests waiting for a turn (not counting the one running). */
  get waiting(): number {
    return this.#waiters.length;
  }

  get busy(): boolean {
    return this.#busy;
  }

  /**
   * Resolves with a release function once it is this caller's turn; rejects
   * with `signal.reason` if the signal aborts first, or with the close reason.
   */
  acquire(signal: AbortSignal): Promise<Release> {
    if (this.#closed) return Promise.reject(this.#closedReason);
    if (signal.aborted) return Promise.reject(signal.reason);
    if (!this.#busy) {
      this.#busy = true;
      return Promise.resolve(this.#releaseOnce());
    }
    return new Promise<Release>((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        signal,
        onAbort: () => {
          this.#waiters = this.#waiters.filter((item) => item !== waiter);
          reject(signal.reason);
        },
      };
      signal.addEventListener('abort', waiter.onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  /** Rejects every waiter and every later acquire with `reason`; the current holder finishes. */
  close(reason: unknown): void {
    this.#closed = true;
    this.#closedReason = reason;
    for (const waiter of this.#waiters.splice(0)) {
      waiter.signal.removeEventListener('abort', waiter.onAbort);
      waiter.reject(reason);
    }
  }

  #releaseOnce(): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#waiters.shift();
      if (next === undefined) {
        this.#busy = false;
        return;
      }
      next.signal.removeEventListener('abort', next.onAbort);
      next.resolve(this.#releaseOnce());
    };
  }
}
