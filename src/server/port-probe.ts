/**
 * A first look at whether the listen address is free, for `--dev` before
 * it makes a state folder: a server that then cannot bind would leave a
 * new folder full of keys, certificates and a token behind.
 *
 * Limitation: a first look only. Another process may take the port
 * between this check and the real bind, which then fails as before and
 * leaves the folder behind; and a host name is tried on its first
 * address only, while the server binds every address it resolves to.
 */
import { createServer } from "node:net";
import { SecretsError } from "../shared/errors.js";

/**
 * Resolves when `listen` (`host:port`, port 0 always free) can be bound;
 * UNAVAILABLE naming listen and the errno (`EADDRINUSE`) when it cannot,
 * as the real bind would say.
 */
export async function checkListenFree(listen: string): Promise<void> {
  const { host, port } = splitHostPort(listen);
  if (port === 0) return;
  const probe = createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      probe.once("error", reject);
      probe.listen({ host, port, exclusive: true }, resolve);
    });
  } catch (error) {
    const errno = (error as NodeJS.ErrnoException).code ?? "unknown cause";
    throw new SecretsError(
      "UNAVAILABLE",
      `listen: cannot bind ${listen} (${errno})`,
      { field: "listen", cause: error },
    );
  } finally {
    await new Promise((resolve) => probe.close(resolve));
  }
}

/** `host:port` or `[v6]:port`, already checked by the config. */
function splitHostPort(listen: string): { host: string; port: number } {
  const colon = listen.lastIndexOf(":");
  const host = listen.slice(0, colon).replace(/^\[(.*)\]$/, "$1");
  return { host, port: Number(listen.slice(colon + 1)) };
}
