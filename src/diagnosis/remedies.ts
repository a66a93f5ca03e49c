/**
 * The requirements' troubleshooting guide ("Troubleshooting" in the seed
 * README), one remedy per component, as a finding ends with it.
 */
export type Component = 'api' | 'database' | 'redis' | 'worker' | 'rate-limit' | 'generator' | 'network';

export const REMEDIES: Record<Component, string> = {
  api: 'check the API servers\' resource usage and logs (CPU, memory, event loop); add instances or CPU',
  database: 'check the connection pool size and lock contention, then query performance',
  redis: 'check Redis latency and its connection limits (slow or blocking commands, memory)',
  worker: 'check worker concurrency and processing time; scale the render workers out or raise their resource limits',
  'rate-limit': 'review the rate limiting configuration: the run measured the limiter, not the service',
  generator: 'the load generator could not keep its schedule: give it more CPU or more workers and run again',
  network: 'check the network between the generator and the API (timeouts and resets while the server looked healthy)',
};
