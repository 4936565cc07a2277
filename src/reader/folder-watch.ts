/**
 * The reader's one use of chokidar: calls back when the watched file may
 * have changed, for as long as the watch runs, whether or not its folder
 * exists.
 *
 * The agent replaces the file atomically (write a temporary file, rename
 * it over the old one), which swaps the file's inode. A watch on the file
 * itself would stay on the old inode and go quiet after the first
 * rename, so this watches the file's folder and picks out the one name.
 *
 * chokidar alone loses the folder: a watch started on a folder that does
 * not exist reports nothing in it once it appears (and nothing at all
 * when its parent is missing too), and a watched folder that is removed
 * goes quiet for good. So the folder itself is checked every
 * {@link FOLDER_CHECK_MS}; when it appears, goes or is replaced, the
 * chokidar watch is moved onto it and the caller is told to read again.
 */
import { stat } from "node:fs/promises";
import { dirname } from "node:path";
import { type FSWatcher, watch } from "chokidar";

/**
 * How often the folder is checked, in ms: a file written soon after its
 * folder appears is read within about half a second, for one `stat` per
 * half second.
 */
export const FOLDER_CHECK_MS = 500;

/**
 * How long after a file event to call back once more, in ms: longer than
 * chokidar's window for dropping repeated events on one file (50 ms).
 */
const SETTLE_MS = 150;

export interface FolderWatchOptions {
  /** The file, resolved; its folder is watched. */
  path: string;
  /** The file may have changed: read it and compare. */
  onEvent: () => void;
  /** chokidar failed; the watch goes on. */
  onError: (error: unknown) => void;
}

/** A running watch. */
export interface FolderWatch {
  /** Stops it; resolves once nothing is watched. */
  close(): Promise<void>;
}

/** Starts watching; resolves once the watch is in place. */
export async function watchFileFolder(
  options: FolderWatchOptions,
): Promise<FolderWatch> {
  const watch = new FileFolderWatch(options);
  await watch.start();
  return { close: () => watch.close() };
}

class FileFolderWatch {
  readonly #options: FolderWatchOptions;
  readonly #dir: string;
  #watcher: FSWatcher | undefined;
  /** The watched folder's device and inode; undefined while it is missing. */
  #folderId: string | undefined;
  #checkTimer: NodeJS.Timeout | undefined;
  #settleTimer: NodeJS.Timeout | undefined;
  #isChecking = false;
  #isClosed = false;

  constructor(options: FolderWatchOptions) {
    this.#options = options;
    this.#dir = dirname(options.path);
  }

  async start(): Promise<void> {
    await this.#check();
    this.#checkTimer = setInterval(() => void this.#recheck(), FOLDER_CHECK_MS);
  }

  async close(): Promise<void> {
    this.#isClosed = true;
    clearInterval(this.#checkTimer);
    clearTimeout(this.#settleTimer);
    await this.#closeWatcher();
  }

  /** A later check: a folder that changed changes the file with it. */
  async #recheck(): Promise<void> {
    // A check still opening a watch is not overtaken by the next one.
    if (this.#isChecking) return;
    this.#isChecking = true;
    try {
      if (await this.#check()) this.#fire();
    } finally {
      this.#isChecking = false;
    }
  }

  /** Moves the watch onto the folder as it is now; true if it moved. */
  async #check(): Promise<boolean> {
    const folderId = await folderIdOf(this.#dir);
    if (this.#isClosed || folderId === this.#folderId) return false;
    this.#folderId = folderId;
    await this.#closeWatcher();
    if (folderId !== undefined) await this.#openWatcher();
    return true;
  }

  async #openWatcher(): Promise<void> {
    const { path } = this.#options;
    const watcher = watch(this.#dir, {
      depth: 0,
      ignoreInitial: true,
      // Skip the agent's temporary files: only the rename into place counts.
      ignored: (candidate) => candidate !== path && candidate !== this.#dir,
    });
    this.#watcher = watcher;
    watcher.on("all", (_event, changed) => {
      if (changed === path) this.#fire();
    });
    watcher.on("error", (error) => this.#options.onError(error));
    await new Promise<void>((ready) => watcher.once("ready", ready));
    // Closed while the watch was opening: close() may have missed it.
    if (this.#isClosed) await this.#closeWatcher();
  }

  async #closeWatcher(): Promise<void> {
    const watcher = this.#watcher;
    this.#watcher = undefined;
    await watcher?.close();
  }

  /**
   * chokidar passes on the first event of a burst and drops the rest for
   * a short while, so a rename right after another one can go unreported.
   * Calling back once more after the burst settles always ends on the
   * latest content; the caller skips unchanged bytes.
   */
  #fire(): void {
    this.#options.onEvent();
    clearTimeout(this.#settleTimer);
    this.#settleTimer = setTimeout(() => this.#options.onEvent(), SETTLE_MS);
  }
}

/**
 * The folder's device, inode and birth time, or undefined when it is not
 * a folder. The birth time tells a new folder from a removed one whose
 * inode number the file system gave out again.
 */
async function folderIdOf(dir: string): Promise<string | undefined> {
  try {
    const stats = await stat(dir);
    if (!stats.isDirectory()) return undefined;
    return `${stats.dev}:${stats.ino}:${stats.birthtimeMs}`;
  } catch {
    return undefined;
  }
}
