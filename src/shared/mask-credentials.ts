/**
 * Masks credentials in text we did not write ourselves (grpc-js traces,
 * a command line echoed back in a usage error), so that a token typed in
 * the wrong place or traced by a library does not land in a terminal log.
 * Labels (display names, descriptions) refuse token-shaped text outright
 * through {@link holdsToken}; see names.ts.
 */

const MASK = "[redacted]";

/** A JWT: three base64url parts, the first a JSON object's start. */
const JWT = /eyJ[\w-]+\.[\w-]+\.[\w-]*/;

/** Each pattern's first group is kept, the rest of the match masked. */
const CREDENTIAL_PATTERNS = [
  // Header dumps: `"authorization":["Bearer …"]`. The list's JSON strings
  // are matched whole, so a `]` inside a value does not end the match.
  /("authorization":\s*\[)(?:\s*"(?:[^"\\]|\\.)*"\s*,?)*/gi,
  /(bearer\s+)[^\s",\]]+/gi,
  // A JWT anywhere else.
  new RegExp(`()${JWT.source}`, "g"),
];

/** True when `text` holds something shaped like a JWT. */
export function holdsToken(text: string): boolean {
  return JWT.test(text);
}

/** `text` with bearer tokens, JWTs and authorization values masked. */
export function maskCredentials(text: string): string {
  return CREDENTIAL_PATTERNS.reduce(
    (masked, pattern) => masked.replace(pattern, `$1${MASK}`),
    text,
  );
}

/**
 * `text` as one printable line: credentials masked, control characters
 * (escape sequences, line breaks) and runs of white space made one space.
 * For messages that may quote what a user typed or a peer sent.
 */
export function printableLine(text: string): string {
  return maskCredentials(text)
    .replace(/\p{Cc}+/gu, " ")
    .replace(/\s+/g, " ")
    .trim();
}
