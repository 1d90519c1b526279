// Retrying transient registry failures: network errors, 429 and 5xx, three retries with exponential backoff and
// jitter, honouring Retry-After. Pure timing decisions; the sleep and the randomness are injected.

export const RETRIES = 3;
export const BASE_DELAY_MS = 500;
export const MAX_DELAY_MS = 30_000;

export interface RetryClock {
  sleep(ms: number): Promise<void>;
  /** In [0, 1). */
  random(): number;
  now(): number;
}

export const realClock: RetryClock = {
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
  now: Date.now,
};

export const isRetryableStatus = (status: number): boolean => status === 429 || (status >= 500 && status <= 599);

/** Retry-After as milliseconds from now: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(header: string | null | undefined, now: number): number | undefined {
  if (!header) return undefined;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * Delay before retry number `retry` (0-based): Retry-After when the server sent one, else exponential backoff
 * (base * 2^retry) with "equal jitter" (half fixed, half random), both capped.
 */
export function retryDelay(retry: number, random: number, retryAfterMs?: number): number {
  if (retryAfterMs !== undefined) return Math.min(retryAfterMs, MAX_DELAY_MS);
  const backoff = Math.min(BASE_DELAY_MS * 2 ** retry, MAX_DELAY_MS);
  return Math.round(backoff / 2 + (backoff / 2) * random);
}

/** A failure worth retrying, with the server's Retry-After if any. */
export class TransientError extends Error {
  override readonly name = "TransientError";

  constructor(
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/** Runs `attempt` until it succeeds, fails for good, or has failed RETRIES + 1 times with TransientErrors. */
export async function withRetries<T>(attempt: () => Promise<T>, clock: RetryClock = realClock): Promise<T> {
  for (let retry = 0; ; retry++) {
    try {
      return await attempt();
    } catch (e) {
      if (!(e instanceof TransientError) || retry >= RETRIES) {
        if (e instanceof TransientError) throw new Error(`${e.message} (gave up after ${RETRIES + 1} attempts)`);
        throw e;
      }
      await clock.sleep(retryDelay(retry, clock.random(), e.retryAfterMs));
    }
  }
}
