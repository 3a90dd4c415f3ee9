import type { LoadHandler } from '#shared/local/runtime.ts';

/**
 * A folder's handler module, the one its Lambda runs: what `npm start` and the integration tests
 * hand the local runtime, so shared/local/runtime.ts itself imports nothing from functions/.
 */
export const loadFunctionHandler: LoadHandler = (folder) => import(`#functions/${folder}/handler.ts`);
