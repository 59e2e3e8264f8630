// The pluggable serializer interface. A serializer turns a caller's key or value into bytes; it
// throws a SerializationError (naming the path inside the value) when it cannot. JSON is the default;
// a JSON Schema or Avro serializer implements the same two methods.

/**
 * Valid during the call only: the producer reuses one context object for a whole send() call and
 * for its later calls (a send() made from inside a serializer gets another). Copy what you keep.
 */
export interface SerializeContext {
  topic: string
  /** Index of the record within its `send()` call. */
  index: number
}

export interface Serializer {
  /**
   * Bytes for a value, or text that is written as UTF-8 when the batch is encoded (saves a copy
   * of every value). `null` is never passed here (tombstones bypass the serializer).
   */
  serializeValue (value: unknown, context: SerializeContext): Buffer | string
  /**
   * True when text this serializer makes from a non-string value is always well-formed UTF-16 (as
   * JSON.stringify's is: it escapes lone surrogates), so the producer need not scan it. Otherwise
   * such text is checked, and a lone surrogate is a SerializationError instead of a silent U+FFFD.
   */
  readonly wellFormedText?: boolean
  /** Bytes for a key. `null`/`undefined` keys are never passed here. */
  serializeKey (key: unknown, context: SerializeContext): Buffer
}
