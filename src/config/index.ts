export { resolveConfig } from './resolve.ts'
export { optionsFromEnv } from './env.ts'
export { defaultBrokersWarning } from './warnings.ts'
export {
  OPTIONS,
  OPTION_BY_PATH,
  TOP_LEVEL_OPTIONS,
  DEFAULTS,
  checkOptionValue,
  suggestOption
} from './options.ts'
export type * from './types.ts'
