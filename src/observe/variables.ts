/**
 * The variables that switch the server-side sources on. They hold
 * connection strings and credentials, so they are redacted from everything
 * a run prints or writes (src/api/credentials.ts); this module has no
 * imports, so the credentials code can name them without loading a driver.
 */
export const POSTGRES_URL_VARIABLE = 'LUNEO_OBSERVE_POSTGRES_URL';
export const REDIS_URL_VARIABLE = 'LUNEO_OBSERVE_REDIS_URL';
export const PROMETHEUS_URL_VARIABLE = 'LUNEO_OBSERVE_PROMETHEUS_URL';
export const PROMETHEUS_TOKEN_VARIABLE = 'LUNEO_OBSERVE_PROMETHEUS_TOKEN';
export const PROMETHEUS_USER_VARIABLE = 'LUNEO_OBSERVE_PROMETHEUS_USER';
export const PROMETHEUS_PASSWORD_VARIABLE = 'LUNEO_OBSERVE_PROMETHEUS_PASSWORD';

export const OBSERVE_SECRET_VARIABLES = [
  POSTGRES_URL_VARIABLE,
  REDIS_URL_VARIABLE,
  PROMETHEUS_URL_VARIABLE,
  PROMETHEUS_TOKEN_VARIABLE,
  PROMETHEUS_USER_VARIABLE,
  PROMETHEUS_PASSWORD_VARIABLE,
] as const;
