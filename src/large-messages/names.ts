// The size policy names, defined once: the `sizePolicy` option, its type and the per-topic map derive
// from this list. No imports (config/ reads it; large-messages/ never imports config/).

/**
 * What happens to a record larger than the limit that applies to it: `reject` refuses the call,
 * `chunk` splits the record into segments, `claim-check` stores the value in a blob store and sends
 * a reference.
 */
export const SIZE_POLICY_NAMES = Object.freeze(['reject', 'chunk', 'claim-check'] as const)
export type SizePolicyName = (typeof SIZE_POLICY_NAMES)[number]
