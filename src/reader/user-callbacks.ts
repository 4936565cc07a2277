/**
 * The watch's way to the user's `onChange` and `onError`, built so that
 * nothing they throw reaches the watch: a callback that throws is the
 * algorithm's own bug, and it must neither stop the watch nor make the
 * watch take the file for unreadable.
 *
 * - `onChange` throws: `onError` gets INTERNAL with field `onChange` (the
 *   thrown value in `cause`). The content counts as delivered, so
 *   `onChange` is not called again with it.
 * - `onChange` throws and there is no `onError`, or `onError` throws: the
 *   error (INTERNAL, field `onChange` or `onError`, the thrown value in
 *   `cause`) is emitted as a process warning. Node prints it on stderr
 *   without the thrown value's text, which may quote a secret; a
 *   `process.on("warning")` listener gets the whole object.
 */
import { SecretsError } from "../shared/errors.js";
import type { SecretRecord } from "./load-secrets.js";

/** The callbacks as the user passes them. */
export interface UserCallbacks {
  onChange: (secrets: SecretRecord) => void;
  onError?: (error: SecretsError) => void;
}

/** The callbacks as the watch calls them; neither ever throws. */
export interface GuardedCallbacks {
  deliver(secrets: SecretRecord): void;
  report(error: SecretsError): void;
}

/** Wraps the user's callbacks as the module comment says. */
export function guardCallbacks(user: UserCallbacks): GuardedCallbacks {
  const report = (error: SecretsError): void => {
    if (!user.onError) return;
    try {
      user.onError(error);
    } catch (thrown) {
      process.emitWarning(callbackFailure("onError", thrown));
    }
  };

  const deliver = (secrets: SecretRecord): void => {
    try {
      user.onChange(secrets);
    } catch (thrown) {
      const failure = callbackFailure("onChange", thrown);
      if (user.onError) report(failure);
      else process.emitWarning(failure);
    }
  };

  return { deliver, report };
}

function callbackFailure(
  callback: "onChange" | "onError",
  thrown: unknown,
): SecretsError {
  return new SecretsError(
    "INTERNAL",
    `${callback}: the callback threw; the watch goes on`,
    { field: callback, cause: thrown },
  );
}
