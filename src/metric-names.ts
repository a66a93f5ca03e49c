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
    /** page views that met a 429: neither a success nor a failure of the handshake (see the rate-limited share) */
    rateLimited: 'luneo_embed_rate_limited',
    /** page views a transport error (reset, timeout) ended: failed handshakes too */
    transportFailed: 'luneo_embed_transport_failed',
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
    /** every request the package sends, and those that failed (4xx other than 429, 5xx, non-JSON, transport errors) */
    sent: 'luneo_requests_sent',
    failed: 'luneo_requests_failed',
    rateLimited: 'luneo_requests_rate_limited',
    /** requests that got no answer: the connection failed or reset, or the timeout passed (also in failed) */
    transportErrors: 'luneo_requests_transport_errors',
    timedOut: 'luneo_requests_timed_out',
    /** histogram of the response time of successful answers: what the latency SLO gates */
    okMs: 'luneo_requests_ok_ms',
    /** histogram of every request's time but 429s: failures and timeouts (at the time they took) included */
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
    /**
     * Users alive at second s (0-9) of the 10-s period, all workers together: every worker adds its count
     * to the counter of the wall-clock second it samples, so Artillery's sums give the total at each second.
     */
    usersAtSecondPrefix: 'luneo_users_at_second_',
    /** per worker, each second: the users the profile asks of this worker then (its share of C(t)) */
    plannedUserSeconds: 'luneo_planned_user_seconds',
    /** the same two, counted only while the profile holds its concurrency: where a shortfall is "load not delivered" */
    holdUserSeconds: 'luneo_hold_user_seconds',
    holdPlannedUserSeconds: 'luneo_hold_planned_user_seconds',
    /** users waiting at the rate-limit gate, each second: present but sending nothing */
    gateHeldUserSeconds: 'luneo_gate_held_user_seconds',
    holdGateHeldUserSeconds: 'luneo_hold_gate_held_user_seconds',
    /** counter, milliseconds users spent waiting at the rate-limit gate (emitted where the wait ends) */
    gateWaitMs: 'luneo_gate_wait_ms',
    /** counter, once per worker that had users: the sum is the number of workers that ran the load */
    workers: 'luneo_workers',
    /** counter, once per worker: the users its phases create */
    plannedUsers: 'luneo_users_planned',
    /** histogram: the profile's length in seconds (every sample is the same) */
    profileSeconds: 'luneo_profile_duration_s',
    /** histogram: seconds since the profile's start, sampled while users are present (max = when the last one left) */
    elapsedSeconds: 'luneo_run_elapsed_s',
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
    /** counters over all workers: seconds sampled, and seconds a worker was saturated (busy and late) */
    sampledSeconds: 'luneo_generator_sampled_seconds',
    saturatedSeconds: 'luneo_generator_saturated_seconds',
    /** per worker, each second: its saturated seconds in the last 20 s; the max over workers is the worst worker's */
    saturatedInWindowS: 'luneo_generator_saturated_in_window_s',
    /** per worker, each second: its saturated seconds since the start; the max is the most saturated worker's total */
    workerSaturatedS: 'luneo_generator_worker_saturated_s',
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
  METRICS.embed.handshakeOk,
  METRICS.embed.handshakeFailed,
  METRICS.embed.rateLimited,
  METRICS.embed.transportFailed,
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
  METRICS.requests.transportErrors,
  METRICS.requests.timedOut,
];
