/** The sources a run's variables switch on: loaded only by the process that observes (never a worker). */
import type { Env } from '../../config/env.ts';
import type { Source } from '../observer.ts';
import type { ObserveSettings } from '../settings.ts';
import { PROMETHEUS_PASSWORD_VARIABLE, PROMETHEUS_TOKEN_VARIABLE, PROMETHEUS_URL_VARIABLE, PROMETHEUS_USER_VARIABLE, POSTGRES_URL_VARIABLE, REDIS_URL_VARIABLE } from '../variables.ts';
import { PostgresSource } from './postgres.ts';
import { PrometheusSource, type PrometheusAuth } from './prometheus.ts';
import { RedisSource } from './redis.ts';

/** The sources the environment's variables switch on, in a fixed order. */
export function observeSources(settings: ObserveSettings, env: Env = process.env): Source[] {
  const value = (name: string) => env[name]?.trim() || undefined;
  const sources: Source[] = [];
  const prometheus = value(PROMETHEUS_URL_VARIABLE);
  if (prometheus) {
    const auth: PrometheusAuth = {};
    const token = value(PROMETHEUS_TOKEN_VARIABLE);
    const user = value(PROMETHEUS_USER_VARIABLE);
    const password = value(PROMETHEUS_PASSWORD_VARIABLE);
    if (token) auth.token = token;
    if (user) auth.user = user;
    if (password) auth.password = password;
    sources.push(new PrometheusSource(prometheus, auth, settings.prometheus));
  }
  const postgres = value(POSTGRES_URL_VARIABLE);
  if (postgres) sources.push(new PostgresSource(postgres, settings.postgres));
  const redis = value(REDIS_URL_VARIABLE);
  if (redis) sources.push(new RedisSource(redis, settings.redis));
  return sources;
}

