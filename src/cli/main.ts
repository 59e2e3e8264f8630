#!/usr/bin/env node
// The `courier` command: routes `courier <command> [<subcommand>] [flags]` to one module per
// command (src/cli/<command>.ts, exporting `run(argv)`, which handles its own `--help` and returns
// the exit code: 2 for usage errors). Adding a command is one file plus one entry in `commands`.

import { EXIT_USAGE } from './subcommands.ts'
import { packageVersion } from './version.ts'

/** What a command module (src/cli/<command>.ts) exports. `run` resolves to the exit code. */
export interface CommandModule {
  run (argv: string[]): Promise<number>
}

const commands: Record<string, { summary: string, load: () => Promise<CommandModule> }> = {
  broker: { summary: 'start, stop or inspect a local Kafka broker', load: () => import('./broker.ts') },
  dlq: { summary: 'list dead letters (topic or files) and replay them to their topics', load: () => import('./dlq.ts') },
  partitions: { summary: 'plan a partition-count change: which keys move, per partitioner', load: () => import('./partitions.ts') },
  produce: { summary: 'send JSON lines or plain lines from a file or stdin to a topic', load: () => import('./produce.ts') },
  doctor: { summary: 'check the configuration and the live cluster against the producer checklist', load: () => import('./doctor.ts') },
  topics: { summary: 'create, describe or list topics', load: () => import('./topics.ts') }
}


function help (): string {
  const width = Math.max(...Object.keys(commands).map((c) => c.length))
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`)
  return [
    'Usage: courier <command> [options]',
    '       courier --version',
    '',
    'Commands:',
    ...lines,
    '',
    'Run `courier <command> --help` for the options of a command.'
  ].join('\n')
}

async function main (argv: string[]): Promise<number> {
  const [name, ...rest] = argv
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(help() + '\n')
    return name === undefined ? EXIT_USAGE : 0
  }
  if (name === '--version' || name === '-V' || name === 'version') {
    process.stdout.write(`${packageVersion()}\n`)
    return 0
  }
  const command = Object.hasOwn(commands, name) ? commands[name] : undefined
  if (!command) {
    process.stderr.write(`courier: unknown command "${name}"\n\n${help()}\n`)
    return EXIT_USAGE
  }
  const mod = await command.load()
  return mod.run(rest)
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code },
  (err: unknown) => {
    process.stderr.write(`courier: ${err instanceof Error ? err.message : String(err)}\n`)
    process.exitCode = 1
  }
)
