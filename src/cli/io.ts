/** Where CLI commands write; swapped in tests to capture output. */
export interface CliIo {
  out(line: string): void
  err(line: string): void
}

/** Writes to the process's stdout and stderr. */
export const processIo: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
}
