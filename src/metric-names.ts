/**
 * Every custom metric the package emits, in one place. Names are snake_case
 * with the `luneo_` prefix and no dots: Artillery's ensure plugin resolves
 * `a.b.p95` by prefix, so a counter `a.b` would shadow a summary `a.b.c`.
 * No name here is a prefix of another name followed by a dot.
 */
export const METRICS = {
  embed: {
    /** histograms, milliseconds, full response time of each step */
    tokenMs: 'luneo_embed_token_ms',
    widgetMs: 'luneo_embed_widget_ms',
    validateMs: 'luneo_embed_validate_ms',
    /** token request start to validation end, pauses excluded */
    handshakeMs: 'luneo_embed_handshake_ms',
    /** counters */
    pageViews: 'luneo_embed_page_views',
    tokenOk: 'luneo_embed_token_ok',
    tokenFailed: 'luneo_embed_token_failed',
    tokenMissing: 'luneo_embed_token_missing',
    tokenNonJson: 'luneo_embed_token_non_json',
    widgetOk: 'luneo_embed_widget_ok',
    widgetFailed: 'luneo_embed_widget_failed',
    validateOk: 'luneo_embed_validate_ok',
    validateFailed: 'luneo_embed_validate_failed',
    validateOriginMismatch: 'luneo_embed_validate_origin_mismatch',
    validateReplayed: 'luneo_embed_validate_replayed',
    validateInvalid: 'luneo_embed_validate_invalid',
    validateNonJson: 'luneo_embed_validate_non_json',
    handshakeOk: 'luneo_embed_handshake_ok',
    handshakeFailed: 'luneo_embed_handshake_failed',
    rateLimited: 'luneo_embed_rate_limited',
  },
  render: {
    enqueueMs: 'luneo_render_enqueue_ms',
    statusMs: 'luneo_render_status_ms',
    /** enqueue to success, milliseconds */
    jobProcessingMs: 'luneo_render_job_processing_ms',
    pollsPerJob: 'luneo_render_polls_per_job',
    enqueueAttempts: 'luneo_render_enqueue_attempts',
    enqueueOk: 'luneo_render_enqueue_ok',
    enqueueFailed: 'luneo_render_enqueue_failed',
    jobsEnqueued: 'luneo_render_jobs_enqueued',
    jobsSucceeded: 'luneo_render_jobs_succeeded',
    jobsFailed: 'luneo_render_jobs_failed',
    jobsTimedOut: 'luneo_render_jobs_timed_out',
    jobsLost: 'luneo_render_jobs_lost',
    statusFailed: 'luneo_render_status_failed',
    rateLimited: 'luneo_render_rate_limited',
    rateLimitGiveUps: 'luneo_render_rate_limit_give_ups',
  },
  requests: {
    /** every request the package sends, and those that failed (4xx other than 429, 5xx, non-JSON) */
    sent: 'luneo_requests_sent',
    failed: 'luneo_requests_failed',
    rateLimited: 'luneo_requests_rate_limited',
    /** histogram of every request's response time */
    allMs: 'luneo_requests_all_ms',
  },
  auth: {
    logins: 'luneo_auth_logins',
    refreshes: 'luneo_auth_refreshes',
    reloginsAfter401: 'luneo_auth_relogins_after_401',
    failures: 'luneo_auth_failures',
  },
  load: {
    /** per worker, each second: users alive (summed, this counter / period seconds = mean concurrency) */
    userSeconds: 'luneo_user_seconds',
    /** per worker, sampled each second */
    concurrentUsers: 'luneo_concurrent_users',
    renderSeconds: 'luneo_render_in_flight_seconds',
    rendersInFlight: 'luneo_renders_in_flight',
  },
  engine: {
    /** histogram, ms: each request that timed out (config.http.timeout), with the time it took, so timeouts stay in the latency picture */
    timeoutMs: 'luneo_engine_timeout_ms',
    /** counter: connections the luneo engine opened (TCP, and TLS for https); one per visitor and host while keep-alive holds */
    connections: 'luneo_engine_connections',
  },
  generator: {
    /** per worker, sampled about once a second: p99 event-loop delay over the last second */
    eventLoopDelayP99Ms: 'luneo_generator_event_loop_delay_p99_ms',
    /** per worker: share of the last second its event loop was busy, percent */
    busyShare: 'luneo_generator_busy_percent',
    /** per worker: heap in use, MB */
    heapUsedMb: 'luneo_generator_heap_used_mb',
  },
} as const;

/** Counters of bad events that ensure conditions reference: emitted as 0 at start so a clean run still defines them. */
export const ZERO_AT_START: readonly string[] = [
  METRICS.embed.tokenOk,
  METRICS.embed.tokenFailed,
  METRICS.embed.tokenMissing,
  METRICS.embed.tokenNonJson,
  METRICS.embed.widgetFailed,
  METRICS.embed.validateOk,
  METRICS.embed.validateFailed,
  METRICS.embed.validateOriginMismatch,
  METRICS.embed.validateReplayed,
  METRICS.embed.validateInvalid,
  METRICS.embed.validateNonJson,
  METRICS.embed.handshakeFailed,
  METRICS.embed.rateLimited,
];

export const RENDER_ZERO_AT_START: readonly string[] = [
  METRICS.render.enqueueOk,
  METRICS.render.enqueueFailed,
  METRICS.render.jobsEnqueued,
  METRICS.render.jobsSucceeded,
  METRICS.render.jobsFailed,
  METRICS.render.jobsTimedOut,
  METRICS.render.jobsLost,
  METRICS.render.rateLimited,
  METRICS.render.rateLimitGiveUps,
];

export const COMMON_ZERO_AT_START: readonly string[] = [
  METRICS.requests.sent,
  METRICS.requests.failed,
  METRICS.requests.rateLimited,
];
