// How a bad value is named in a validation message: its type and, for short scalars, the value.

/** E.g. `null`, `an array`, `the string "ab"`, `number 5`, `a Date`. */
export function describeValue (value: unknown): string {
  if (value === null) return 'null'
  if (value === undefined) return 'undefined'
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value)}`
  if (typeof value === 'number' || typeof value === 'boolean') return `${typeof value} ${String(value)}`
  if (typeof value === 'bigint') return `bigint ${value}n`
  if (typeof value === 'object') {
    const name = (value as object).constructor?.name
    return name === undefined || name === 'Object' ? 'an object' : `a ${name}`
  }
  return `a ${typeof value}`
}
