/**
 * Environment variable names a secret may not take: names that would let
 * a secret take over the process, the dynamic loader, the C library, TLS
 * trust, name resolution, a language runtime, or the shell that sources
 * the env file.
 *
 * The shell groups come from the manuals (bash "Shell Variables", zsh
 * "Parameters Set By The Shell" and "Parameters Used By The Shell", mksh
 * "Parameters", dash and busybox ash). A name is here when sourcing
 * `export NAME='value'` in one of those shells runs code, changes the
 * process's user or group, stops sourcing the file or ends the shell,
 * leaves a value other than the one written, or changes what the shell
 * does with later commands. test/shared/reserved-env-names.test.ts shows
 * a few of them in the real shells.
 *
 * Limitation: names are compared in upper case, so `status` (zsh) also
 * refuses `STATUS`, and `path` refuses `Path`; a few harmless names are
 * lost that way, on purpose, rather than keep a case-by-case list.
 *
 * Allowed on purpose:
 * - Proxy variables (HTTPS_PROXY, HTTP_PROXY, ALL_PROXY, NO_PROXY): their
 *   URLs often carry proxy credentials, which is exactly what a secret is
 *   for, and a wrong proxy fails loudly rather than silently weakening
 *   the process.
 * - Names a shell sets at start but lets a script replace and export
 *   as written (HOSTNAME, HOSTTYPE, MACHTYPE, OSTYPE, CPUTYPE, VENDOR,
 *   HOST, TTY, mksh's PATHSEP), and the conventions every program shares
 *   (LANG, LC_*, TERM, TMPDIR, EDITOR): a wrong value there misleads, it
 *   does not take anything over.
 */

/** Each group's names, separated by white space. */
const RESERVED_NAME_GROUPS: readonly string[] = [
  // The login session: who, where, and where commands come from.
  "PATH HOME SHELL USER LOGNAME PWD OLDPWD",

  // Every POSIX shell (dash, busybox ash, bash, zsh, mksh): word
  // splitting, the start-up file of interactive shells, where `cd` goes,
  // prompts (PS4 is expanded, `$(…)` included, under `set -x`), mail
  // checks and the `fc` editor.
  "IFS ENV CDPATH PS1 PS2 PS4 MAIL MAILCHECK MAILPATH FCEDIT",

  // getopts in every shell: dash exits on a non-numeric OPTIND, bash and
  // mksh evaluate it as arithmetic (which runs `$(…)` in an array
  // subscript: OPTIND='a[$(cmd)]'), getopts overwrites OPTARG, and
  // OPTERR=0 silences its errors.
  "OPTIND OPTARG OPTERR",

  // Arithmetic on assignment, so `a[$(cmd)]` runs cmd: bash RANDOM,
  // SRANDOM and HISTCMD; mksh RANDOM, SECONDS, LINES, COLUMNS, TMOUT,
  // BASHPID, PPID, PIPESTATUS and its id names. Where no code runs
  // (busybox ash, zsh), the shell still keeps its own number. TMOUT also
  // times out bash's `read` and logs an idle interactive shell out.
  "RANDOM SRANDOM HISTCMD SECONDS LINES COLUMNS TMOUT BASHPID PPID",
  "PIPESTATUS KSHUID KSHGID KSHEGID USER_ID PGRP",

  // zsh: assigning UID, EUID, GID, EGID or USERNAME calls setuid,
  // seteuid, setgid or setegid, so a root shell becomes another user.
  // bash refuses UID and EUID as read-only and ignores assignments to
  // GROUPS, its group list.
  "UID EUID GID EGID USERNAME GROUPS",

  // Counters, clocks and state the shell keeps, so what reaches the
  // algorithm is the shell's value or nothing, not the secret: `_` (the
  // last argument), LINENO (zsh: read-only, sourcing stops there; mksh:
  // stops on a non-number), SHLVL (a number, one up in each child
  // shell), the clocks, bash's call stack and folder stack, zsh's ERRNO,
  // TTYIDLE and ARGC (read-only: sourcing stops), ARGV0 (becomes
  // argv[0] of commands, never an environment variable) and its
  // always-block flags.
  "_ LINENO SHLVL EPOCHSECONDS EPOCHREALTIME FUNCNAME DIRSTACK ERRNO",
  "TTYIDLE ARGC ARGV0 TRY_BLOCK_ERROR TRY_BLOCK_INTERRUPT",

  // Read-only: bash refuses SHELLOPTS and BASHOPTS (and exits under
  // --posix), mksh stops sourcing at KSH_VERSION, so later secrets are
  // missing. SHELLOPTS and BASHOPTS in the environment also set the
  // options of every child bash: SHELLOPTS=xtrace prints each command,
  // values included.
  "SHELLOPTS BASHOPTS KSH_VERSION",

  // Changes what a shell does with later commands: bash POSIX mode,
  // globbing, command lookup, a function nesting limit, `time` output;
  // zsh function and module search paths (code loading), the commands a
  // bare redirection runs, its start-up folder, timing reports after
  // every command; mksh's shell for scripts without `#!`.
  "POSIXLY_CORRECT GLOBIGNORE GLOBSORT EXECIGNORE FUNCNEST TIMEFORMAT",
  "FPATH MODULE_PATH NULLCMD READNULLCMD ZDOTDIR REPORTTIME REPORTMEMORY",
  "TIMEFMT EXECSHELL",

  // Interactive shells, such as an operator's debugging shell that
  // sourced the file: prompts (command substitution in them runs),
  // commands before each prompt, logout on EOF, line editing and
  // completion, zsh's login watch. zsh turns several into numbers,
  // shortens KEYBOARD_HACK, or keeps WATCH out of the environment.
  "PS0 PS3 PROMPT PROMPT2 PROMPT3 PROMPT4 RPROMPT RPROMPT2 RPS1 RPS2",
  "SPROMPT PROMPT_COMMAND PROMPT_DIRTRIM IGNOREEOF INPUTRC COMPREPLY",
  "KEYBOARD_HACK KEYTIMEOUT LISTMAX SAVEHIST WATCH",

  // Default names of builtins' results: a `read`, `mapfile`, `coproc` or
  // (mksh) string comparison in the script that sourced the file
  // replaces the secret.
  "REPLY MAPFILE COPROC KSH_MATCH",

  // zsh's arrays and hashes, lower case in zsh (`argv`, `status`,
  // `options`; `path`, `cdpath`, `fpath`, `mailpath`, `module_path` and
  // `pipestatus` are above): a scalar cannot be exported into them or
  // they are read-only, and zsh stops sourcing the file there.
  "ARGV FIGNORE MANPATH PSVAR SIGNALS STATUS PARAMETERS OPTIONS COMMANDS",
  "FUNCTIONS FUNCTIONS_SOURCE BUILTINS RESWORDS PATCHARS ALIASES GALIASES",
  "SALIASES MODULES JOBDIRS JOBSTATES JOBTEXTS NAMEDDIRS USERDIRS",
  "USERGROUPS FUNCSTACK FUNCTRACE FUNCFILETRACE FUNCSOURCETRACE WIDGETS",
  "KEYMAPS TERMCAP TERMINFO",

  // JavaScript readers: util.parseEnv and the dotenv package drop
  // `__proto__` without a word.
  "__PROTO__",

  // The C library: code loading, locale data and tunables.
  "GCONV_PATH GLIBC_TUNABLES LOCPATH NLSPATH TZDIR",

  // Name resolution.
  "HOSTALIASES RES_OPTIONS LOCALDOMAIN",

  // TLS trust, and the key log file that hands out every session's keys.
  // OpenSSL's configuration and module paths load code as well.
  "SSL_CERT_FILE SSL_CERT_DIR NODE_TLS_REJECT_UNAUTHORIZED",
  "NODE_EXTRA_CA_CERTS REQUESTS_CA_BUNDLE CURL_CA_BUNDLE SSLKEYLOGFILE",
  "GRPC_DEFAULT_SSL_ROOTS_FILE_PATH OPENSSL_CONF OPENSSL_MODULES",
  "OPENSSL_ENGINES",

  // Language runtimes' code loading and start-up options, and the
  // commands git runs for ssh and for passwords.
  "NODE_OPTIONS NODE_PATH PYTHONPATH PYTHONSTARTUP PYTHONHOME",
  "PYTHONINSPECT PYTHONWARNINGS PYTHONUSERBASE PERL5LIB PERLLIB PERL5OPT",
  "RUBYLIB RUBYOPT JAVA_TOOL_OPTIONS _JAVA_OPTIONS JDK_JAVA_OPTIONS",
  "CLASSPATH LUA_INIT PHPRC GIT_SSH GIT_SSH_COMMAND GIT_ASKPASS",
  "GIT_EXEC_PATH",
];

const RESERVED_ENV_NAMES: ReadonlySet<string> = new Set(
  RESERVED_NAME_GROUPS.flatMap((group) => group.trim().split(/\s+/)),
);

/**
 * Prefixes reserved the same way. The dynamic loader's (LD_, DYLD_) and
 * our own; bash's (BASH_ENV runs a file in every child bash, BASH_COMPAT
 * and BASH_XTRACEFD change it, BASH_LOADABLES_PATH loads code, the rest
 * are read-only or kept by bash) and zsh's (ZSH_SUBSHELL and
 * ZSH_EVAL_CONTEXT are read-only, ZLE_ names drive its line editor);
 * history (HISTSIZE stops mksh on a non-number, zsh keeps only three
 * HISTCHARS and HISTSIZE as a number), readline and completion names;
 * zsh's disabled-things hashes (`dis_functions`, read-only).
 */
const RESERVED_ENV_PREFIXES: readonly string[] = [
  "LD_",
  "DYLD_",
  "ALGORITHM_SECRETS_",
  "BASH_",
  "ZSH_",
  "ZLE_",
  "HIST",
  "READLINE_",
  "COMP_",
  "DIS_",
];

/**
 * True when `envName` is reserved for the platform or the shell.
 *
 * Compared in upper case, so `path` and `ld_preload` are refused too:
 * Windows folds the case of environment names (there `path` is PATH),
 * zsh ties lower-case arrays to upper-case names (`path` to PATH,
 * `module_path` to MODULE_PATH), and zsh's own lower-case specials
 * (`status`, `options`, `history`) are caught through their upper-case
 * spelling. The price is that STATUS, OPTIONS or HISTORY are refused
 * although no shell minds them in upper case. That is acceptable: nobody
 * names a credential so, a near-twin of a shell's name only confuses
 * whoever reads the env file, and one case-blind rule is simpler to
 * state and to check than a table of each shell's case rules.
 */
export function isReservedEnvName(envName: string): boolean {
  const upper = envName.toUpperCase();
  return (
    RESERVED_ENV_NAMES.has(upper) ||
    RESERVED_ENV_PREFIXES.some((prefix) => upper.startsWith(prefix))
  );
}
