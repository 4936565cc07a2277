/**
 * The values every dialect is tried on: the cases from the issue plus the
 * edges each reader is known to bend (quotes, backslashes, `#`, `$`, line
 * ends, size). The `PWNED_` commands name files a shell would create if it
 * ran them; the tests assert none appears.
 */

/** Files that appear only if sourcing the env file ran a command. */
export const PWNED_FILES = ["pwned-subst", "pwned-backtick", "pwned-quote"];

const PEM = [
  "-----BEGIN PRIVATE KEY-----",
  "MC4CAQAwBQYDK2VwBCIEIBm3dG3sZ9nUKh7R+gXw0qO3g9mQ1vC7kJfO6b0n5pQa",
  "-----END PRIVATE KEY-----",
  "",
].join("\n");

/** Name to value; names are what the refusal must point at. */
export const CORPUS: Readonly<Record<string, string>> = {
  QUOTES_AND_DOLLAR: `a'b"c$HOME`,
  JVM_FLAGS: "-Xmx1g -Xms1g",
  SURROUNDING_SPACES: "  x  ",
  HASH: "p@ss#word",
  JSON_TEXT: '{"a":"b#c"}',
  SAY_HI: 'say "hi"',
  PEM_KEY: PEM,
  TOKEN: "tok",
  TOKEN_NEWLINE: "tok\n",
  CARRIAGE_RETURN: "a\rb",
  BACKSLASHES: "C:\\Users\\n\\t\\\\",
  TRAILING_BACKSLASH: "x\\",
  COMMAND_SUBST: "$(touch pwned-subst)",
  BACKTICKS: "`touch pwned-backtick`",
  QUOTE_BREAKOUT: "'; touch pwned-quote; '",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: literal text
  BRACED_VAR: "${HOME}",
  QUOTED_PAIR: '"q"',
  BEYOND_BMP: "𝄞 🔑 密码 \u{10FFFF}",
  EMPTY: "",
  BIG_64_KIB: "0123456789abcdef".repeat(4096),
  // Characters of 2, 3 and 4 bytes filling a Docker env file line (65,400
  // of 65,406 bytes): the Docker CLI's request to the stand-in daemon is
  // then more than one 64 KiB socket read, split (as measured) inside it.
  BIG_MULTIBYTE: "密码🔑é".repeat(5450),
};

/** What each dialect must refuse from the corpus, and nothing else. */
export const EXPECTED_REFUSALS: Readonly<Record<string, readonly string[]>> = {
  sh: [],
  json: [],
  dotenv: ["BRACED_VAR", "CARRIAGE_RETURN"],
  docker: [
    "BIG_64_KIB",
    "CARRIAGE_RETURN",
    "PEM_KEY",
    "QUOTED_PAIR",
    "QUOTE_BREAKOUT",
    "TOKEN_NEWLINE",
  ],
};
