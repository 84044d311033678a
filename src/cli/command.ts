export interface CommandIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  /** A terminal on stderr gets a progress bar; anything else gets plain periodic lines. */
  stderrIsTty: boolean;
  /** Aborted on SIGINT/SIGTERM: a command winds down and still reports. */
  signal: AbortSignal;
}

/** A subcommand: resolves to the process exit code. */
export type Command = (argv: readonly string[], io: CommandIo) => Promise<number>;
