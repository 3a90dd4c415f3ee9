/**
 * Bundled in place of `@aws-sdk/credential-provider-node` (an esbuild alias, infra/bundling.ts):
 * in Lambda the function's role credentials are always in the environment (AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), the first place the SDK's default chain looks. The
 * rest of that chain (SSO, STS web identity, INI files, IMDS, the container endpoint) never
 * answers there but is about 95 KB of every bundle. Outside a bundle (npm start, tests) the
 * SDK's own chain is used.
 */
import { fromEnv } from '@aws-sdk/credential-provider-env';

export const defaultProvider: typeof fromEnv = (init) => fromEnv(init);
