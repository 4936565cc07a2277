/**
 * A box for a secret (a value or a token) whose every printable form is
 * `[redacted]`: JSON, `util.inspect`, string conversion and template
 * literals. Code must call `reveal()` to get the content, which makes each
 * place a secret leaves the box easy to find and review.
 */
import { inspect } from "node:util";

const REDACTED = "[redacted]";

export class Redacted<T> {
  readonly #content: T;

  constructor(content: T) {
    this.#content = content;
  }

  /** The secret itself. Every caller is a place a secret can leak. */
  reveal(): T {
    return this.#content;
  }

  toJSON(): string {
    return REDACTED;
  }

  toString(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return REDACTED;
  }

  [Symbol.toPrimitive](): string {
    return REDACTED;
  }
}
