/**
 * Baozhang's business rules: pure functions, no I/O, no environment, no clock. Time,
 * configuration and the records a rule needs are passed in. Handlers only call this package.
 */
export * from './errors.ts';
export * from './money.ts';
export * from './time.ts';
export * from './types.ts';
export * from './config.ts';
export * from './plans.ts';
export * from './join.ts';
export * from './issuance.ts';
export * from './claims.ts';
export * from './sku.ts';
export * from './refund-claims.ts';
export * from './claim-state.ts';
export * from './calendar.ts';
export * from './calendar-file.ts';
export * from './payout-due.ts';
export * from './windows.ts';
export * from './refunds.ts';
export * from './compensation.ts';
export * from './expiry.ts';
export * from './deposit.ts';
