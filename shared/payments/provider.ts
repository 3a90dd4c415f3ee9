/**
 * Which payment provider the payout job uses, from configuration (read once, failing fast):
 * - `PAYMENT_PROVIDER=local` (the default; npm start and tests): ./local.ts;
 * - `PAYMENT_PROVIDER=alipay`: ./alipay.ts, configured by `ALIPAY_CONFIG` (the JSON of
 *   `AlipayConfigSchema`, for a local run against a sandbox or a stand-in) or, in AWS, by the
 *   Secrets Manager secret `PAYMENT_SECRET_ARN` holding that same JSON (read on first use, so a
 *   cold start that pays nothing never reads it).
 */
import { ConfigurationError, optionalEnv } from '#shared/config.ts';
import { logger } from '#shared/logger.ts';
import { AlipayConfigSchema, alipayConfigProblems, alipayProvider, capped, MAX_TIMEOUT_MS, type AlipayConfig } from './alipay.ts';
import { localProvider } from './local.ts';
import type { PaymentProvider } from './port.ts';

export function parseAlipayConfig(json: string | undefined, source: string): AlipayConfig {
  let value: unknown;
  try {
    value = JSON.parse(json ?? '');
  } catch {
    throw new ConfigurationError(`${source} is not JSON`);
  }
  const parsed = AlipayConfigSchema.safeParse(value);
  // Never echo the value: it holds a private key.
  if (!parsed.success) throw new ConfigurationError(`${source} is not an Alipay configuration: ${parsed.error.issues.map((i) => i.path.join('.')).join(', ')}`);
  const problems = alipayConfigProblems(parsed.data);
  if (problems.length > 0) throw new ConfigurationError(`${source} is not an Alipay configuration: it lacks ${problems.join(', ')}`);
  // P3: a call may never outlive the payout lease, which is sized against the cap.
  if ((parsed.data.timeoutMs ?? 0) > MAX_TIMEOUT_MS) logger.warn(`${source}: timeoutMs capped at ${MAX_TIMEOUT_MS} ms`);
  return capped(parsed.data);
}

let secrets: Promise<import('@aws-sdk/client-secrets-manager').SecretsManagerClient> | undefined;

/**
 * The secret's current version (AWSCURRENT), read on first use and again whenever the adapter asks
 * (its copy is old, or a signature failed): a rotated secret is picked up without a deploy.
 */
async function secretConfig(secretArn: string): Promise<AlipayConfig> {
  const { GetSecretValueCommand, SecretsManagerClient } = await import('@aws-sdk/client-secrets-manager');
  secrets ??= Promise.resolve(new SecretsManagerClient({}));
  const secret = await (await secrets).send(new GetSecretValueCommand({ SecretId: secretArn }));
  return parseAlipayConfig(secret.SecretString, `The secret ${secretArn}`);
}

export function selectPaymentProvider(): PaymentProvider {
  const name = optionalEnv('PAYMENT_PROVIDER', 'local');
  switch (name) {
    case 'local':
      return localProvider;
    case 'alipay': {
      const inline = optionalEnv('ALIPAY_CONFIG');
      if (inline) {
        const config = parseAlipayConfig(inline, 'ALIPAY_CONFIG');
        return alipayProvider(async () => config);
      }
      const secretArn = optionalEnv('PAYMENT_SECRET_ARN');
      if (!secretArn) throw new ConfigurationError('PAYMENT_PROVIDER=alipay needs ALIPAY_CONFIG or PAYMENT_SECRET_ARN');
      return alipayProvider(() => secretConfig(secretArn));
    }
    default:
      throw new ConfigurationError(`PAYMENT_PROVIDER must be 'local' or 'alipay', not '${name}'`);
  }
}
