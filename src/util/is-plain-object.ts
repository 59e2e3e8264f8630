// A plain object: `{...}` or `Object.create(null)`, not an array, Map, Buffer, Date or class instance.
// Options groups and message records must be plain objects; anything else is reported by type.

export function isPlainObject (value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}
