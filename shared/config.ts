import { readDuration } from './duration.ts';

/**
 * Configuration read from the environment at module scope, failing fast (style principle 8):
 * a handler whose variable is missing refuses to start instead of failing on a later request.
 */
export class ConfigurationError extends Error {
  override name = 'ConfigurationError';
}

export function requireEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') {
    throw new ConfigurationError(`Environment variable ${name} is required but not set`);
  }
  return value;
}

export function optionalEnv(name: string, fallback: string): string;
export function optionalEnv(name: string): string | undefined;
export function optionalEnv(name: string, fallback?: string): string | undefined {
  const value = process.env[name];
  return value === undefined || value === '' ? fallback : value;
}

/** A whole number ≥ 1 (a count, a concurrency), `fallback` when unset. */
export function countEnv(name: string, fallback: number): number {
  const value = Number(optionalEnv(name, String(fallback)));
  if (!Number.isSafeInteger(value) || value < 1) throw new ConfigurationError(`${name} must be a whole number ≥ 1`);
  return value;
}

/** A duration setting (`30s`, `1m`, `1h`; a bare number is milliseconds) in milliseconds, `fallback` when unset. */
export function durationEnv(name: string, fallback: string): number {
  const text = optionalEnv(name, fallback);
  const duration = readDuration(text);
  if (!duration) throw new ConfigurationError(`${name} must be a duration such as 30s, 1m or 1h, not '${text.trim().toLowerCase()}'`);
  return duration.ms;
}
