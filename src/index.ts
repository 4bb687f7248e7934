// mockforge-ws core: real WebSocket mock servers for tests. Test-runner integrations live in subpaths.

// Fixture factory and server
export { mockWs, MockWsBuilder } from './server/builder.js'
export type { StepWaitOptions } from './server/builder.js'
export { MockWs } from './server/mock-ws.js'
export { ScenarioFailureError } from './errors.js'
export { closeAllMocks, closeMocksOf, currentMockOwner, liveMockCount, liveMocks, trackMock } from './server/registry.js'
export type { MockOwner, TrackedMock } from './server/registry.js'
export type { MockWsOptions, NextOptions, ToReplayOptions } from './server/mock-ws.js'
export { MockConnection } from './server/ws-transport.js'
export { Connection } from './session/connection.js'
export type { InboundMessage, WsData } from './session/connection.js'
export type { Transport, TransportEvents } from './session/transport.js'
export type { MockWsMetrics, FrameDropper } from './session/session.js'
export type { UpgradeGate, UpgradeDecision } from './server/upgrade.js'
export type { EngineObserver, ObservedConnection } from './server/observer.js'
export type { TranscriptFrame, TranscriptClose, ScenarioFailure, FailureKind } from './server/types.js'
export { formatFailureReport, formatFrame } from './server/failure-report.js'
export type { FailureReportOptions } from './server/failure-report.js'
export { addInterceptRoute, activeInterceptCount, interceptMatcher } from './server/intercept.js'
export type { InterceptPattern, InterceptTarget } from './server/intercept.js'
export { router, routerWithLatency } from './server/router.js'
export type { RouterOptions, WsRouter } from './server/router.js'
export { serveFromEnv, resolveServeSettings } from './server/serve-from-env.js'
export type { ServeSettings } from './server/serve-from-env.js'

// Replay format
export { parseReplay, compileEntries, parseJsonlEntries } from './replay/parse.js'
export { loadReplay } from './replay/load.js'
export type { LoadReplayOptions } from './replay/load.js'
export { toJSONL } from './replay/serialize.js'
export { playReplay } from './replay/player.js'
export type { ReplayEntry, ReplayClose, PlayStep, CompiledReplay, StepOrigin } from './replay/types.js'

// Templates
export { compileTemplate, findTemplateIssues } from './template/compile.js'
export type { CompiledTemplate, CompileTemplateOptions, TemplateIssue, TemplateToken, TemplateTokenKind } from './template/compile.js'
export { createTemplateContext } from './template/context.js'
export type { TemplateContext, TemplateContextOptions, FakerLike } from './template/context.js'
export { expandTokens } from './template/expand.js'
export type { ExpandTokensContext } from './template/expand.js'
export { loadFaker } from './template/faker.js'
export { createRandom } from './template/random.js'
export type { Random } from './template/random.js'

// Scenarios and matchers
export { Scenario, SCENARIO_FILE } from './scenario/scenario.js'
export type { ScenarioWaitOptions, ScenarioCompileOptions, ScenarioStep } from './scenario/scenario.js'
export { matchesMessage, describeMatcher } from './scenario/matcher.js'
export type { MessageMatcher, MessagePredicate } from './scenario/matcher.js'
export { jsonSubsetPattern, matchesJsonSubset } from './scenario/json-subset.js'
export type { JsonSubset, JsonValue, JsonPrimitive } from './scenario/json-subset.js'

// Latency
export { LatencyProfile } from './latency/profile.js'
export type { LatencyDistribution, LatencyProfileSpec, LatencyPresetName, LatencyProfileInput, LatencyModel } from './latency/profile.js'
export { LatencyInjector } from './latency/injector.js'
export { OrderedScheduler } from './latency/scheduler.js'
export { startWithLatency } from './latency/start.js'
export type { StartWithLatencyOptions } from './latency/start.js'
export { MessageDropper, failHandshakeGate, slowHandshakeGate } from './latency/faults.js'
export type { HandshakeFaultOptions, DropMessagesOptions } from './latency/faults.js'
export type { OrderedSchedulerOptions } from './latency/scheduler.js'
export type { LatencyDirection, LatencyInjectorOptions } from './latency/injector.js'

// AI event generation
export { AiEventGenerator } from './ai/generator.js'
export { runAiOnConnection } from './ai/run-on-connection.js'
export { validateAiConfig } from './ai/config.js'
export { AiGenerationError } from './errors.js'
export { validateSchema } from './ai/schema.js'
export type {
  ReplayAugmentationConfig,
  WebSocketAiConfig,
  AiEventFrame,
  AiEventSink,
  AiStreamOptions,
  AiReplayOptions,
  AiReplayMode,
  AiProvider,
} from './ai/types.js'
export type { ResolvedAiConfig } from './ai/config.js'
export type { AiErrorKind } from './errors.js'
export type { JsonSchema, JsonSchemaType, SchemaIssue } from './ai/schema.js'

// Tracing and metrics
export {
  createWsConnectionSpan,
  createWsMessageSpan,
  recordWsConnectionSuccess,
  recordWsMessageSuccess,
  recordWsError,
} from './telemetry/tracing.js'
export { metricsText, metricsContentType, metricsRegistry, resetMetrics } from './telemetry/metrics.js'
export { createTelemetryObserver } from './telemetry/observer.js'

// Proxy and recording
export { WsProxyHandler } from './proxy/proxy-handler.js'
export { routerWithProxy } from './server/router.js'
export { resolveProxyConfig, proxyTarget, DEFAULT_FORWARD_HEADERS, PROXY_CONNECT_TIMEOUT_MS, PROXY_MAX_BUFFERED_BYTES } from './proxy/config.js'
export type { WsProxyConfig, ProxyRule, ProxyHeaders, MessageTransform, ProxyDirection, ProxyTarget, ResolvedProxyConfig } from './proxy/config.js'
export { ProxyError } from './errors.js'
export type { UpstreamFailureKind } from './errors.js'
export type { ProxyOptions } from './proxy/plugin.js'
export { RECORD_CONNECTION_PLACEHOLDER } from './proxy/recorder.js'
export type { RecordOptions, RecordedFile } from './proxy/recorder.js'

// AsyncAPI (the parser, an optional peer, is loaded only when a document is read)
export { loadAsyncApi, formatLocation } from './asyncapi/load.js'
export { examplesToReplay } from './asyncapi/examples.js'
export { ContractValidator } from './asyncapi/schema.js'
export type { FrameVerdict } from './asyncapi/schema.js'
export { appDirection } from './asyncapi/direction.js'
export type { AppDirection } from './asyncapi/direction.js'
export type { AsyncApiSource, AsyncApiOptions, AsyncApiValidateMode, AsyncApiContract, ContractMessage, ContractExample } from './asyncapi/types.js'
export type { SchemaMismatch } from './server/types.js'

// Recordings that replay against real clients (VCR)
export { vcrMode, VCR_UPDATE_ENV } from './proxy/vcr.js'
export type { VcrOptions, VcrMode } from './proxy/vcr.js'
export { fromHar } from './replay/from-har.js'
export type { FromHarOptions, HarWebSocketMessage } from './replay/from-har.js'
export { recordingToReplay, resolveRecordTransform, isVolatileValue, isCorrelatable, MATCH_ANY_FRAME } from './replay/record-transform.js'
export type { RecordTransformOptions, InboundMatching, VolatileMode, RecordedFrame, VcrEntry } from './replay/record-transform.js'
// HTML timeline (`mockforge-ws view`, Playwright failure attachments)
export { renderTimeline, timelineRows } from './view/timeline.js'
export type { TimelineInput, TimelineFrame, TimelineFailure, TimelineRow } from './view/timeline.js'
export { readTimelineJsonl } from './view/read.js'
export { transcriptToJsonl } from './view/transcript-jsonl.js'

// Regex safety of replay files
export { findRegexHazard, MAX_REGEX_NESTING } from './replay/regex-guard.js'
export type { RegexHazard } from './replay/regex-guard.js'

// Errors
export { ORIGINAL_URL_HEADER } from './constants.js'
export { MockWsError, ReplayParseError, TemplateError, MockWsTimeoutError, AsyncApiError } from './errors.js'
export type { MockWsErrorCode, ReplayIssue, AsyncApiDiagnostic } from './errors.js'
