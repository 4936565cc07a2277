/**
 * In-process fan-out of commits to watch streams: each subscriber hears
 * only about its own algorithm, right after the store commits.
 */

/** Called with the algorithm's new revision after each commit. */
export type ChangeListener = (revision: number) => void;

interface Subscriber {
  onChange: ChangeListener;
  onClose: () => void;
}

/**
 * Subscribers per algorithm. The server publishes from the store's commit
 * hook and closes every subscriber on shutdown so streams end cleanly.
 */
export class WatchHub {
  readonly #byAlgorithm = new Map<string, Set<Subscriber>>();
  #isClosed = false;

  /**
   * Adds a subscriber for `algorithm`; `onClose` runs when the hub shuts
   * down. Returns the function that removes it, safe to call any number
   * of times (a stream calls it on each of cancel, close and error).
   * After {@link closeAll}, `onClose` runs at once and nothing is kept:
   * a stream opened while the server drains ends instead of holding the
   * drain open until its deadline.
   */
  subscribe(
    algorithm: string,
    onChange: ChangeListener,
    onClose: () => void,
  ): () => void {
    if (this.#isClosed) {
      onClose();
      return () => {};
    }
    const subscriber = { onChange, onClose };
    let subscribers = this.#byAlgorithm.get(algorithm);
    if (!subscribers) {
      subscribers = new Set();
      this.#byAlgorithm.set(algorithm, subscribers);
    }
    subscribers.add(subscriber);
    return () => this.#remove(algorithm, subscriber);
  }

  /** Tells `algorithm`'s subscribers about `revision`. */
  publish(algorithm: string, revision: number): void {
    const subscribers = this.#byAlgorithm.get(algorithm);
    if (!subscribers) return;
    for (const subscriber of [...subscribers]) subscriber.onChange(revision);
  }

  /** Number of open subscriptions, across algorithms. */
  size(): number {
    let count = 0;
    for (const subscribers of this.#byAlgorithm.values()) {
      count += subscribers.size;
    }
    return count;
  }

  #remove(algorithm: string, subscriber: Subscriber): void {
    const subscribers = this.#byAlgorithm.get(algorithm);
    // Look the set up again rather than keep the one from subscribe: once
    // emptied it left the map, and a later subscriber may have made a new
    // one that a late second call must not drop.
    if (!subscribers?.delete(subscriber)) return;
    if (subscribers.size === 0) this.#byAlgorithm.delete(algorithm);
  }

  /** Closes every subscriber, now and later (server shutdown). */
  closeAll(): void {
    this.#isClosed = true;
    const all = [...this.#byAlgorithm.values()].flatMap((set) => [...set]);
    this.#byAlgorithm.clear();
    for (const subscriber of all) subscriber.onClose();
  }
}
