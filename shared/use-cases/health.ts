import { logger } from '#shared/logger.ts';
import { readHealthProbe } from '#shared/store/health.ts';

/** Whether the service can serve: its table answers a read. A failure is logged, not thrown. */
export async function tableAnswers(): Promise<boolean> {
  try {
    await readHealthProbe();
    return true;
  } catch (error) {
    logger.warn('Health probe failed', error as Error);
    return false;
  }
}
