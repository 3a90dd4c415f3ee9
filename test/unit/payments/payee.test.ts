import { describe, expect, it } from 'vitest';
import { maskPayee, payeeProblem, profilePayee } from '#shared/payments/payee.ts';

describe('P4 Alipay payees', () => {
  it.each([
    [{ identity: '2088102146225135', identityType: 'ALIPAY_USER_ID' }, undefined],
    [{ identity: '208810214622513', identityType: 'ALIPAY_USER_ID' }, 'an ALIPAY_USER_ID is 2088 followed by 12 digits'],
    [{ identity: '20881021462251350', identityType: 'ALIPAY_USER_ID' }, 'an ALIPAY_USER_ID is 2088 followed by 12 digits'],
    [{ identity: 'buyer-417', identityType: 'ALIPAY_USER_ID' }, 'an ALIPAY_USER_ID is 2088 followed by 12 digits'],
    [{ identity: 'shop@alipay.example', identityType: 'ALIPAY_LOGON_ID', name: '张三' }, undefined],
    [{ identity: 'shop@alipay.example', identityType: 'ALIPAY_LOGON_ID' }, 'an ALIPAY_LOGON_ID needs the payee’s real name'],
    [{ identity: 'shop@alipay.example', identityType: 'ALIPAY_LOGON_ID', name: ' ' }, 'an ALIPAY_LOGON_ID needs the payee’s real name'],
  ] as const)('P4 %j: %s', (payee, problem) => {
    expect(payeeProblem(payee)).toBe(problem);
  });

  it('P4 the profile’s alipay wins; the old alipayAccount is a logon id named with the profile name; nothing else is guessed', () => {
    const userId = { identity: '2088102146225135', identityType: 'ALIPAY_USER_ID' };
    expect(profilePayee(userId, 'old@alipay.example', 'Acme')).toEqual(userId);
    expect(profilePayee(undefined, 'old@alipay.example', 'Acme')).toEqual({ identity: 'old@alipay.example', identityType: 'ALIPAY_LOGON_ID', name: 'Acme' });
    expect(profilePayee(undefined, '', 'Acme')).toBeUndefined();
    expect(profilePayee({ identity: 'x', identityType: 'EMAIL' }, undefined, 'Acme')).toBeUndefined();
  });

  it('P4 accounts and names are masked for logs and views', () => {
    expect(maskPayee({ identity: '2088102146225135', identityType: 'ALIPAY_USER_ID' })).toEqual({
      identity: '2088********5135',
      identityType: 'ALIPAY_USER_ID',
    });
    const logon = maskPayee({ identity: 'shop-9001@alipay.example', identityType: 'ALIPAY_LOGON_ID', name: '张三丰' });
    expect(logon).toEqual({ identity: expect.stringMatching(/^s.*\*+.*@alipay\.example$/), identityType: 'ALIPAY_LOGON_ID', name: '张**' });
    expect(logon.identity).not.toContain('shop-9001');
    expect(maskPayee({ identity: '13800138000', identityType: 'ALIPAY_LOGON_ID', name: 'A' }).identity).not.toContain('0013800');
  });
});
