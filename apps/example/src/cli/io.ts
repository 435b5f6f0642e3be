/** Where the CLI writes, and how it reports its exit status (injectable for tests). */

/** The CLI's outputs. */
export interface CliIo {
  /** Writes to standard output (the report). */
  out(text: string): void;
  /** Writes to standard error (progress, errors). */
  err(text: string): void;
  /** Records the exit status (0 = every check held). */
  setExitCode(code: number): void;
}

/** Exit status when a check failed. */
export const EXIT_CHECK_FAILED = 1;
/** Exit status for unusable options (unknown scenario or GPU) or a stack that cannot be built. */
export const EXIT_USAGE = 2;

/** The process's stdout / stderr and `process.exitCode`. */
export const processIo: CliIo = {
  out: (t) => {
    process.stdout.write(t);
  },
  err: (t) => {
    process.stderr.write(t);
  },
  setExitCode: (code) => {
    process.exitCode = code;
  },
};
