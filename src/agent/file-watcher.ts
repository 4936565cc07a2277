/**
 * The agent's one use of chokidar: tells a caller that something in the
 * folder of a file may have changed it. The folder is watched rather than
 * the file because both our own writes and Kubernetes' projected token
 * updates replace files by renaming, which a watch on the file itself
 * can lose. Callers re-read and compare, so spurious events cost a read.
 *
 * chokidar's own events are filtered: it drops a second event on a path
 * within 5 ms of the first (so a write that lands just after a truncate,
 * or a rename just after a create, goes unreported), and it reports no
 * change of mode or group. Its `raw` events, straight from the kernel's
 * watch, have neither gap, so they count as well.
 */
import { dirname } from "node:path";
import { watch } from "chokidar";

/** A running watch; `close` stops it. */
export interface FolderWatch {
  close(): Promise<void>;
  /** Resolves once the watch is in place. */
  ready: Promise<void>;
}

/** Calls `onChange` after any event in the folder of `path`. */
export function watchFileFolder(
  path: string,
  onChange: () => void,
): FolderWatch {
  const watcher = watch(dirname(path), {
    depth: 0,
    ignoreInitial: true,
    // Our own rename-over writes should not be merged into add/unlink
    // pairs with delays; we compare content ourselves.
    atomic: false,
  });
  watcher.on("all", () => onChange());
  watcher.on("raw", () => onChange());
  // A watch error (the folder removed, say) must not crash the agent; the
  // caller's periodic work still runs.
  watcher.on("error", () => undefined);
  const ready = new Promise<void>((resolve) => {
    watcher.once("ready", () => resolve());
  });
  return { close: () => watcher.close(), ready };
}
