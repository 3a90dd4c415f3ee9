import { Logger } from '@aws-lambda-powertools/logger';

/** Structured JSON logs (Powertools). Level from POWERTOOLS_LOG_LEVEL; tests run it SILENT. */
export const logger = new Logger({ serviceName: 'baozhang' });
