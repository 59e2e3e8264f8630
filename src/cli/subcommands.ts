// What every `courier <command> <subcommand>` shares: routing to the subcommand, and turning bad
// arguments into a message plus exit code 2 (other errors are left to main.ts).

export const EXIT_USAGE = 2

/** Bad arguments: printed with the usage text, exit code 2. */
export class UsageError extends Error {}

export type Subcommand = (argv: string[]) => Promise<number>

export async function runSubcommand (command: string, subcommands: Record<string, Subcommand>, usage: string, argv: string[]): Promise<number> {
  const [sub, ...rest] = argv
  if (sub === '--help' || sub === '-h' || sub === 'help') {
    process.stdout.write(`${usage}\n`)
    return 0
  }
  const handler = sub !== undefined && Object.hasOwn(subcommands, sub) ? subcommands[sub] : undefined
  if (!handler) {
    process.stderr.write(`courier ${command}: ${sub === undefined ? 'missing subcommand' : `unknown subcommand "${sub}"`}\n\n${usage}\n`)
    return EXIT_USAGE
  }
  try {
    return await handler(rest)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (err instanceof UsageError || (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_'))) {
      process.stderr.write(`courier ${command} ${sub}: ${(err as Error).message}\n\n${usage}\n`)
      return EXIT_USAGE
    }
    throw err
  }
}
