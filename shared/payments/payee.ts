/**
 * P4: an Alipay payee `{identity, identityType, name?}` — checked, read from what the profile or
 * the order stored, and masked for logs and views. Pure: no I/O.
 */
import type { Payee } from './port.ts';

/** An Alipay user id: `2088` and 12 more digits. */
export const ALIPAY_USER_ID = /^2088\d{12}$/;

/** Why `payee` cannot be paid, or undefined when it can. */
export function payeeProblem(payee: Payee): string | undefined {
  if (payee.identityType === 'ALIPAY_USER_ID') {
    return ALIPAY_USER_ID.test(payee.identity) ? undefined : 'an ALIPAY_USER_ID is 2088 followed by 12 digits';
  }
  if (payee.identityType === 'ALIPAY_LOGON_ID') {
    if (!payee.identity.trim()) return 'an ALIPAY_LOGON_ID is not empty';
    return payee.name?.trim() ? undefined : 'an ALIPAY_LOGON_ID needs the payee’s real name';
  }
  return 'identityType is ALIPAY_USER_ID or ALIPAY_LOGON_ID';
}

/** A stored payee (an object), or undefined when what is stored is not one. */
export function asPayee(value: unknown): Payee | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const { identity, identityType, name } = value as Record<string, unknown>;
  if (typeof identity !== 'string' || (identityType !== 'ALIPAY_USER_ID' && identityType !== 'ALIPAY_LOGON_ID')) return undefined;
  return { identity, identityType, ...(typeof name === 'string' && name ? { name } : {}) };
}

/**
 * The profile's payee: its `alipay` identity, or else the old `alipayAccount` string as a logon id
 * (api.md), named with the profile's `name` — the real name Alipay checks it against.
 */
export function profilePayee(alipay: unknown, alipayAccount: unknown, name: unknown): Payee | undefined {
  const payee = asPayee(alipay);
  if (payee) return payee;
  if (typeof alipayAccount !== 'string' || !alipayAccount) return undefined;
  return { identity: alipayAccount, identityType: 'ALIPAY_LOGON_ID', ...(typeof name === 'string' && name ? { name } : {}) };
}

function maskText(text: string): string {
  const chars = [...text];
  if (chars.length <= 2) return `${chars[0] ?? ''}*`;
  const keep = Math.min(4, Math.floor(chars.length / 4));
  return `${chars.slice(0, Math.max(1, keep)).join('')}${'*'.repeat(Math.max(1, chars.length - 2 * Math.max(1, keep)))}${chars.slice(-Math.max(1, keep)).join('')}`;
}

/** Masked for logs and views: `2088********5135`, `sh***@***.example`-like, a name as `张*`. */
export function maskPayee(payee: Payee): Payee {
  let identity: string;
  if (payee.identityType === 'ALIPAY_USER_ID') identity = `${payee.identity.slice(0, 4)}********${payee.identity.slice(-4)}`;
  else if (payee.identity.includes('@')) {
    const [local, domain] = payee.identity.split('@') as [string, string];
    identity = `${maskText(local)}@${domain}`;
  } else identity = maskText(payee.identity);
  const name = payee.name ? `${[...payee.name][0]}${'*'.repeat(Math.max(1, [...payee.name].length - 1))}` : undefined;
  return { identity, identityType: payee.identityType, ...(name ? { name } : {}) };
}
