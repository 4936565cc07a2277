/**
 * Counts the unary calls that have started and not yet answered, so a
 * stopping server waits for exactly those. Watch streams are not counted:
 * they never finish on their own, and the server ends them itself.
 *
 * Why not grpc-js's `tryShutdown`: it waits for every connection to
 * close, not for calls. With 10,000 agents connected that is 10,000
 * graceful HTTP/2 closes on one thread after all their streams already
 * ended (measured: 7.7 s, cut short by the drain deadline), while the
 * agents wait to reconnect to the next process.
 */
import type {
  ServerUnaryCall,
  ServiceDefinition,
  sendUnaryData,
  UntypedServiceImplementation,
} from "@grpc/grpc-js";

type UnaryHandler = (
  call: ServerUnaryCall<unknown, unknown>,
  callback: sendUnaryData<unknown>,
) => void;

export class InFlightCalls {
  #count = 0;
  #waiters: (() => void)[] = [];

  /** Unary calls started and not yet answered. */
  get count(): number {
    return this.#count;
  }

  /**
   * `implementation` with each of its unary handlers counted from the
   * handler's start to its answer (or the client's cancel).
   */
  track(
    definition: ServiceDefinition,
    implementation: UntypedServiceImplementation,
  ): UntypedServiceImplementation {
    const tracked: UntypedServiceImplementation = { ...implementation };
    for (const [name, method] of Object.entries(definition)) {
      if (method.requestStream || method.responseStream) continue;
      for (const key of [name, method.originalName]) {
        const handler = key && implementation[key];
        if (handler) tracked[key] = this.#counted(handler as UnaryHandler);
      }
    }
    return tracked;
  }

  /**
   * Resolves true once no unary call is in flight, or false when
   * `timeoutMs` passes first.
   */
  whenIdle(timeoutMs: number): Promise<boolean> {
    if (this.#count === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((waiter) => waiter !== onIdle);
        resolve(false);
      }, timeoutMs);
      const onIdle = () => {
        clearTimeout(timer);
        resolve(true);
      };
      this.#waiters.push(onIdle);
    });
  }

  #counted(handler: UnaryHandler): UnaryHandler {
    return (call, callback) => {
      this.#count++;
      let isDone = false;
      const done = () => {
        if (isDone) return;
        isDone = true;
        this.#count--;
        if (this.#count === 0) this.#wakeWaiters();
      };
      call.once("cancelled", done);
      handler(call, (...answer) => {
        done();
        callback(...answer);
      });
    };
  }

  #wakeWaiters(): void {
    for (const waiter of this.#waiters.splice(0)) waiter();
  }
}
