/** Moved to `common/errors.ts`; this re-export stays until the last importers are updated. */
export { RunnelError, messageOf, type RunnelErrorCode } from '../common/errors.js';
