/**
 * What `secretsctl` prints on success: short confirmations, a table for
 * people, and stable JSON for scripts. Only metadata ever reaches here;
 * responses carry no values.
 */
import type {
  DeleteSecretResponse,
  ListSecretsResponse,
  SecretMetadata,
} from "../shared/messages.js";

/** The JSON shape of one secret's metadata; keys in a fixed order. */
export interface SecretJson {
  algorithm: string;
  envName: string;
  displayName: string;
  description: string;
  version: number;
  createdAt: string;
  updatedAt: string;
  createdAtMs: number;
  updatedAtMs: number;
}

/** `created demo/hello DB_PASSWORD (version 1, revision 3)`. */
export function formatWritten(verb: string, secret: SecretMetadata): string {
  return (
    `${verb} ${secret.algorithm} ${secret.envName} ` +
    `(version ${secret.version}, revision ${secret.revision})`
  );
}

/** `deleted demo/hello DB_PASSWORD (revision 4)`. */
export function formatDeleted(response: DeleteSecretResponse): string {
  return (
    `deleted ${response.algorithm} ${response.envName} ` +
    `(revision ${response.revision})`
  );
}

/** One secret's metadata as JSON. */
export function toSecretJson(secret: SecretMetadata): SecretJson {
  return {
    algorithm: secret.algorithm,
    envName: secret.envName,
    displayName: secret.displayName,
    description: secret.description,
    version: secret.version,
    createdAt: isoTime(secret.createdAtMs),
    updatedAt: isoTime(secret.updatedAtMs),
    createdAtMs: secret.createdAtMs,
    updatedAtMs: secret.updatedAtMs,
  };
}

/** `list --json`: the algorithm, its revision and its secrets. */
export function formatListJson(response: ListSecretsResponse): string {
  const body = {
    algorithm: response.algorithm,
    revision: response.revision,
    secrets: response.secrets.map(toSecretJson),
  };
  return JSON.stringify(body, null, 2);
}

/** `list`: a table with a header, or a sentence when there is nothing. */
export function formatListTable(response: ListSecretsResponse): string {
  if (response.secrets.length === 0) {
    return `no secrets in ${response.algorithm}`;
  }
  const header = ["ENV NAME", "DISPLAY NAME", "VERSION", "UPDATED"];
  const rows = response.secrets.map((secret) => [
    secret.envName,
    escapeControls(secret.displayName),
    String(secret.version),
    isoTime(secret.updatedAtMs),
  ]);
  return formatTable([header, ...rows]);
}

/** `get`: one `field: value` line per metadata field. */
export function formatSecretDetails(secret: SecretMetadata): string {
  const lines: [string, string][] = [
    ["algorithm", secret.algorithm],
    ["env name", secret.envName],
    ["display name", escapeControls(secret.displayName)],
    ["description", escapeControls(secret.description)],
    ["version", String(secret.version)],
    ["created", isoTime(secret.createdAtMs)],
    ["updated", isoTime(secret.updatedAtMs)],
  ];
  return lines
    .map(([label, text]) => `${`${label}:`.padEnd(14)}${text}`)
    .join("\n");
}

/**
 * `text` with newline, tab and any other control character written as an
 * escape (`\n`, `\t`, `\u001b`), so each row or field stays on one line
 * and no stored label can move the terminal's cursor. The server refuses
 * these in display names and allows only newline and tab in descriptions;
 * escaping here also covers rows stored before those rules.
 */
export function escapeControls(text: string): string {
  return text.replace(
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the point is to escape them
    /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g,
    (char) =>
      ESCAPES[char] ?? `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

const ESCAPES: Record<string, string> = {
  "\n": "\\n",
  "\t": "\\t",
  "\r": "\\r",
};

function formatTable(rows: string[][]): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, index) => {
      widths[index] = Math.max(widths[index] ?? 0, [...cell].length);
    });
  }
  return rows
    .map((row) =>
      row
        .map((cell, index) =>
          index === row.length - 1 ? cell : padCell(cell, widths[index] ?? 0),
        )
        .join("  "),
    )
    .join("\n");
}

function padCell(cell: string, width: number): string {
  return cell + " ".repeat(Math.max(0, width - [...cell].length));
}

/** Seconds-precision UTC time, or `-` when the server sent none. */
function isoTime(epochMs: number): string {
  if (!epochMs) return "-";
  return new Date(epochMs).toISOString().replace(/\.\d{3}Z$/, "Z");
}
