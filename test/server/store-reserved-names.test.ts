/**
 * The store refuses every name a shell or a reader keeps for itself. The
 * names are written out here, not taken from the source list, so that
 * dropping one there fails this test; test/shared/reserved-env-names.test.ts
 * shows why a few of them matter in the real shells.
 */
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { Keyring } from "../../src/server/crypto/keyring.js";
import { SecretStore } from "../../src/server/store/secret-store.js";
import { SecretsError } from "../../src/shared/errors.js";
import { Redacted } from "../../src/shared/redacted.js";
import { tmpfsDir } from "../helpers/tmpfs.js";

const ALG = "demo/reserved";

/** By shell (or reader), the names sourcing `export NAME='v'` upsets. */
const RESERVED_BY_SOURCE: Record<string, string> = {
  "bash runs code (arithmetic)": "RANDOM SRANDOM OPTIND HISTCMD",
  "mksh runs code (arithmetic)":
    "RANDOM SECONDS OPTIND LINES COLUMNS TMOUT BASHPID PPID PIPESTATUS " +
    "KSHUID KSHGID KSHEGID USER_ID PGRP",
  "zsh changes the user or group": "UID EUID GID EGID USERNAME",
  "zsh replaces the value": "SECONDS RANDOM UID EUID PPID _ SHLVL COLUMNS",
  "zsh stops sourcing":
    "HISTCMD LINENO PPID TTYIDLE signals status pipestatus argv ARGC " +
    "path cdpath fpath fignore mailpath manpath module_path psvar " +
    "parameters options commands functions functions_source aliases " +
    "galiases saliases builtins reswords patchars modules dirstack " +
    "history historywords jobdirs jobstates jobtexts nameddirs userdirs " +
    "usergroups funcstack functrace funcfiletrace funcsourcetrace widgets " +
    "keymaps termcap terminfo dis_functions dis_aliases ZSH_EVAL_CONTEXT " +
    "ZSH_SUBSHELL",
  "zsh behaves otherwise":
    "ZDOTDIR NULLCMD " +
    "READNULLCMD FPATH MODULE_PATH REPORTTIME REPORTMEMORY TIMEFMT ARGV0 " +
    "ERRNO KEYBOARD_HACK KEYTIMEOUT LISTMAX SAVEHIST WATCH " +
    "TRY_BLOCK_ERROR TRY_BLOCK_INTERRUPT ZLE_RPROMPT_INDENT",
  "dash exits": "OPTIND",
  "mksh stops sourcing": "HISTSIZE LINENO KSH_VERSION",
  "mksh behaves otherwise": "EXECSHELL KSH_MATCH FPATH",
  "busybox ash replaces the value": "RANDOM EPOCHSECONDS EPOCHREALTIME",
  "bash replaces the value or refuses it":
    "SECONDS EPOCHSECONDS EPOCHREALTIME BASHPID BASH_SUBSHELL BASH_COMMAND " +
    "BASH_VERSINFO BASH_ARGV BASH_SOURCE GROUPS FUNCNAME PIPESTATUS " +
    "DIRSTACK UID EUID PPID LINENO SHELLOPTS BASHOPTS _",
  "bash behaves otherwise":
    "POSIXLY_CORRECT BASH_ENV BASH_COMPAT BASH_XTRACEFD BASH_LOADABLES_PATH " +
    "GLOBIGNORE GLOBSORT EXECIGNORE FUNCNEST TMOUT TIMEFORMAT OPTERR " +
    "REPLY MAPFILE COPROC OPTARG",
  "interactive shells":
    "PS0 PS1 PS2 PS3 PS4 PROMPT PROMPT2 PROMPT3 PROMPT4 RPROMPT RPS1 " +
    "RPROMPT2 RPS2 SPROMPT PROMPT_COMMAND PROMPT_DIRTRIM IGNOREEOF MAIL " +
    "MAILPATH MAILCHECK CDPATH FCEDIT INPUTRC HISTFILE HISTFILESIZE " +
    "HISTCONTROL HISTIGNORE HISTTIMEFORMAT HISTCHARS READLINE_LINE " +
    "READLINE_POINT COMP_WORDS COMP_CWORD COMPREPLY ZLE_STATE",
  "every POSIX shell": "PATH HOME SHELL IFS ENV PWD OLDPWD",
  "util.parseEnv and dotenv drop it": "__proto__",
};

const NAMES = [
  ...new Set(Object.values(RESERVED_BY_SOURCE).flatMap((t) => t.split(" "))),
];

/** Names near the reserved ones that stay allowed. */
const ALLOWED = [
  "DB_PASSWORD",
  "HTTPS_PROXY",
  "HOSTNAME",
  "LANG",
  "TMPDIR",
  "PATHSEP",
  "BASH",
  "RANDOM_SEED",
  "MY_UID",
  "__PROTO",
];

function errorOf(action: () => unknown): SecretsError | undefined {
  try {
    action();
  } catch (error) {
    if (error instanceof SecretsError) return error;
    throw error;
  }
  return undefined;
}

function openStore(): { store: SecretStore; databasePath: string } {
  const dir = tmpfsDir("as-store-reserved-");
  const databasePath = join(dir, "secrets.db");
  const store = new SecretStore({
    databasePath,
    keyring: Keyring.openOrCreate(join(dir, "kek.json")),
  });
  return { store, databasePath };
}

function create(store: SecretStore, envName: string) {
  return store.create({
    algorithm: ALG,
    envName,
    displayName: envName,
    description: "",
    value: new Redacted(Buffer.from("v")),
  });
}

describe("SecretStore and reserved names", () => {
  const { store, databasePath } = openStore();

  describe.each(NAMES)("given %s", (envName) => {
    it("refuses a create or update with INVALID_ARGUMENT naming env_name", () => {
      const created = errorOf(() => create(store, envName));
      expect(created?.code).toBe("INVALID_ARGUMENT");
      expect(created?.field).toBe("env_name");
      const updated = errorOf(() =>
        store.update({ algorithm: ALG, envName, displayName: "x" }),
      );
      expect(updated?.code).toBe("INVALID_ARGUMENT");
      expect(updated?.field).toBe("env_name");
    });
  });

  it.each(ALLOWED)("accepts %s", (envName) => {
    expect(create(store, envName).version).toBe(1);
  });

  describe("when a secret was stored before its name was reserved", () => {
    it("can still be read and deleted", () => {
      create(store, "LEGACY_NAME");
      const raw = new Database(databasePath);
      raw
        .prepare("UPDATE secrets SET env_name = 'RANDOM' WHERE env_name = ?")
        .run("LEGACY_NAME");
      raw.close();
      expect(store.get(ALG, "RANDOM").envName).toBe("RANDOM");
      store.delete(ALG, "RANDOM");
      expect(errorOf(() => store.get(ALG, "RANDOM"))?.code).toBe("NOT_FOUND");
    });
  });
});
