export { createJsonSerializer, toJson, formatPath, MAX_JSON_DEPTH } from './json.ts'
export type { JsonSerializerOptions } from './json.ts'
export type { Serializer, SerializeContext } from './types.ts'
