/** Model used when `model` is not set (small, cheap, supports structured output). */
export const AI_DEFAULT_MODEL = 'gpt-4o-mini'
/** Event `type` used when `eventType` is not set. */
export const AI_DEFAULT_EVENT_TYPE = 'event'
/** Sampling temperature used when `temperature` is not set. */
export const AI_DEFAULT_TEMPERATURE = 0.7
/** Events asked for in one model request; small enough for a fast first batch, big enough to amortise latency. */
export const AI_DEFAULT_BATCH_SIZE = 20
/** Largest accepted `batchSize`: beyond this, responses get slow and are often cut off by token limits. */
export const AI_MAX_BATCH_SIZE = 100
/** Times a batch with invalid JSON or schema violations is asked for again before giving up. */
export const AI_BAD_BATCH_RETRIES = 2
/** HTTP-level retries (429, 5xx, network) the openai client makes on its own, with backoff. */
export const AI_DEFAULT_HTTP_RETRIES = 2
/** Time one model request may take before it fails. */
export const AI_DEFAULT_REQUEST_TIMEOUT_MS = 60_000
/** Seed of the offline provider when `seed` is not set, so that offline output is always reproducible. */
export const AI_DEFAULT_OFFLINE_SEED = 1
/** Fixed base time of reproducible output: the offline provider's `date-time` strings, and seeded `timestamp`s without a `now` clock. */
export const AI_EPOCH_MS = Date.UTC(2024, 0, 1)
/** Characters of model output or error body quoted in an error message. */
export const AI_ERROR_SNIPPET_CHARS = 200
/** Name of the structured-output format sent to the model. */
export const AI_RESPONSE_FORMAT_NAME = 'event_batch'
/**
 * Shortest API key that is redacted from frames, errors and logs: shorter ones ("x", "unused", "test") are
 * placeholders that local servers accept, not secrets, and redacting them would mangle ordinary text.
 */
export const AI_MIN_REDACTED_KEY_CHARS = 8
/** Spacing of seeded `timestamp`s when no `eventRate` is set. */
export const AI_SEEDED_SPACING_MS = 1000
