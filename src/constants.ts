/** Default time an `expect`/`waitFor`/`in` step may wait for a client message. */
export const DEFAULT_WAIT_TIMEOUT_MS = 5000
/** Default time `nextMessage()` / `nextConnection()` wait before rejecting. */
export const DEFAULT_NEXT_TIMEOUT_MS = 5000
/** Default bind address: loopback only, so a mock is never exposed by accident. */
export const DEFAULT_HOST = '127.0.0.1'
/** Default WebSocket path of a mock server. */
export const DEFAULT_PATH = '/ws'
/** Default port of the CLI server and `serveFromEnv()` (MockForge's default). */
export const DEFAULT_CLI_PORT = 3001
/** Default maximum payload of one frame, in bytes (ws's own default is 100 MiB; a test mock needs less). */
export const DEFAULT_MAX_PAYLOAD = 16 * 1024 * 1024
/** Default number of frames kept in a transcript before the oldest are dropped. */
export const DEFAULT_MAX_TRANSCRIPT = 100_000
/** Text frames of at least this many bytes are kept as their received bytes and decoded when read (smaller: decoded at once). */
export const LAZY_TEXT_MIN_BYTES = 1024
/** A received text is kept as bytes only if its read buffer is at most this many times its size (else it would pin the rest). */
export const LAZY_TEXT_MAX_PIN = 16
/** Close code of a normal closure: the purpose of the connection was fulfilled. */
export const CLOSE_NORMAL = 1000
/** Close code sent to every client when a mock is closed. */
export const CLOSE_GOING_AWAY = 1001
/** Close code a peer reports when the close frame carried no code; never sent on the wire. */
export const CLOSE_NO_STATUS = 1005
/** Longest close reason a close frame can carry, in UTF-8 bytes (RFC 6455 §5.5: 125 bytes minus the 2-byte code). */
export const MAX_CLOSE_REASON_BYTES = 123
/** Close code used when an upstream (proxy) fails. */
export const CLOSE_BAD_GATEWAY = 1014
/** Close code used when the server is over a connection limit. */
export const CLOSE_TRY_AGAIN_LATER = 1013
/** Time a closing connection is given to finish its close handshake before it is terminated. */
export const CLOSE_HANDSHAKE_TIMEOUT_MS = 1000
/** Number of transcript frames shown in a strict-mode failure report. */
export const FAILURE_TRANSCRIPT_FRAMES = 20
/** Close code a client sees when the connection drops without a close frame; `close(1006)` in a script drops it. */
export const CLOSE_ABNORMAL = 1006
/** Connections kept for `nextConnection()` and the engine's history before the oldest are forgotten, so churn cannot grow memory without bound. */
export const MAX_RETAINED_CONNECTIONS = 1000
/** Epoch numbers (ms, or s) within this distance of the recording time count as generated values (`volatile: 'auto'`). */
export const VOLATILE_EPOCH_WINDOW_MS = 24 * 60 * 60 * 1000
/** Shortest string a recording correlates when it has a digit (`sub-17ab`, a UUID); shorter ones are too likely to recur by chance. */
export const CORRELATE_MIN_ID_LENGTH = 8
/** Shortest string a recording correlates without a digit (random letters, base64 ids). */
export const CORRELATE_MIN_WORDLESS_LENGTH = 16
/** Smallest absolute integer a recording correlates (six digits); smaller numbers are counters and sizes that recur by chance. */
export const CORRELATE_MIN_NUMBER = 100_000
/** Values of one client message a recording looks for in the server's frames; the rest of a huge message is matched, not correlated. */
export const CORRELATE_MAX_VALUES_PER_MESSAGE = 256
/** Header carrying the URL the client asked for, on connections that `routeToMock` or `intercept()` sent to a mock. */
export const ORIGINAL_URL_HEADER = 'x-mockforge-original-url'
/** Close code sent when the mock itself fails on a connection (a message that could not be rendered). */
export const CLOSE_INTERNAL_ERROR = 1011
/** Longest delay one runtime timer can hold (2^31-1 ms, ~24.8 days); Node fires longer ones after 1 ms, so they are chained. */
export const MAX_TIMER_DELAY_MS = 2 ** 31 - 1
/** Subprotocol of GraphQL over WebSocket spoken by `mockGraphqlWs()` (the one graphql-ws's `createClient` offers). */
export const GRAPHQL_TRANSPORT_WS_PROTOCOL = 'graphql-transport-ws'
/** Time a GraphQL-over-WebSocket client has to send `connection_init` before it is closed with 4408 (graphql-ws's own default). */
export const DEFAULT_GRAPHQL_INIT_TIMEOUT_MS = 3000
/** Default WebSocket path of `mockGraphqlWs()` (where GraphQL servers usually listen). */
export const DEFAULT_GRAPHQL_PATH = '/graphql'
/** Scenario failures kept in `failures`; later ones are only counted (`metrics.failuresDropped`), so a flood of bad messages cannot grow memory. */
export const MAX_FAILURES = 1000
/**
 * Longest client message (in UTF-16 code units) a quadratic `waitFor`/`match` regex is run against: at
 * this length the slowest accepted pattern measured holds the event loop for about 50 ms (docs/reliability.md).
 * Linear patterns run on any message; longer messages are not matched and give a failure saying why.
 */
export const DEFAULT_MAX_REGEX_INPUT = 2000
/** Bytes waiting in a connection's send buffer above which a replay pauses until the client reads (backpressure). */
export const SEND_HIGH_WATER_MARK = 1024 * 1024
/** Bytes of due replay frames written in one system call (corked together); measured in docs/performance.md. */
export const SEND_BATCH_BYTES = 1024
/** How often a paused replay looks at the send buffer again. */
export const SEND_DRAIN_POLL_MS = 10
/** Default bytes a connection may have waiting in its send buffer before a send closes it with 1008 (`maxBufferedBytes`). */
export const DEFAULT_MAX_BUFFERED_BYTES = 8 * 1024 * 1024
/** Close code for a client over a limit of the mock (policy violation). */
export const CLOSE_POLICY_VIOLATION = 1008
/** Client messages queued for a replay that has not waited for them yet; beyond it the oldest are dropped, with a failure. */
export const MAX_INBOX_MESSAGES = 10_000
