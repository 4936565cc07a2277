/**
 * An env file dialect: how one family of readers wants a name and a value
 * written. Each dialect is one small module; `render-env-file.ts` does the
 * rest (order, header, refusals).
 */

/** What the file's header comment may say. Nothing in it is secret. */
export interface EnvFileHeader {
  algorithm: string;
  revision: number;
  /**
   * The dialect's `--format` name, so that a reader can tell an empty
   * `dotenv` or `docker` file from an empty `sh` one.
   */
  format: string;
  /** Names left out under `--skip-unrepresentable`. */
  skippedNames: readonly string[];
}

export interface Dialect {
  /** The `--format` name. */
  readonly name: string;
  /**
   * Why this dialect cannot carry `value` exactly, or undefined when it
   * can. The reason must not quote the value.
   */
  refusalReason(value: string): string | undefined;
  /** The whole file for entries already checked and sorted by name. */
  renderFile(
    header: EnvFileHeader,
    entries: ReadonlyArray<readonly [name: string, value: string]>,
  ): string;
}
