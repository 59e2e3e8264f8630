export { resolveConfig, brokerProblem, MAX_IDEMPOTENT_IN_FLIGHT } from './resolve.ts'
export { optionsFromEnv, parseEnvValue } from './env.ts'
export type { Env } from './env.ts'
export {
  OPTIONS,
  OPTION_BY_PATH,
  TOP_LEVEL_OPTIONS,
  DEFAULTS,
  LOCAL_BROKER,
  MAX_TIMER_MS,
  checkOptionValue,
  describeExpected,
  suggestOption
} from './options.ts'
export type { OptionSpec, OptionType, Problem } from './options.ts'
export type * from './types.ts'
