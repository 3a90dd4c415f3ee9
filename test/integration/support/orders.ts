/**
 * Order events for tests, shaped like examples.md. Instants default to November 2026 in
 * Asia/Shanghai; override any field.
 */
let counter = 0;
export const nextId = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${(counter++).toString(36)}`;

export interface LineInput {
  lineId?: string;
  itemId?: string;
  skuId?: string;
  category?: string;
  quantity?: number;
  unitPriceFen?: number;
  paidFen?: number;
  skuAttributes?: Record<string, string>;
}

export function orderData(overrides: Record<string, unknown> & { lines?: LineInput[] } = {}) {
  const { lines, ...rest } = overrides;
  return {
    orderId: nextId('ord'),
    buyerId: 'buyer-417',
    merchantId: 'shop-9001',
    channel: 'tmall',
    shippingAddressId: 'addr-417-home',
    placedAt: '2026-11-21T10:12:40+08:00',
    paidAt: '2026-11-21T10:15:00+08:00',
    liveBaseId: 'base-hz-01',
    // P4: the buyer's Alipay payee, where the buyer's payouts go.
    buyerAlipay: { identity: '2088102146225135', identityType: 'ALIPAY_USER_ID' },
    weightGrams: 800,
    shippingFen: 800,
    ...rest,
    lines: (lines ?? [{}]).map((line, i) => ({
      lineId: `L${i + 1}`,
      itemId: 'item-5521',
      skuId: 'sku-5521-red-L',
      skuAttributes: { name: 'Silk scarf', spec: '90x90', model: 'SC-1', brand: 'Acme', size: 'L', color: 'red', saleMethod: 'retail' },
      category: 'apparel',
      quantity: 1,
      unitPriceFen: 10000,
      paidFen: 9000,
      ...line,
    })),
  };
}

export function event(type: string, data: Record<string, unknown>, occurredAt = '2026-11-21T10:15:00+08:00') {
  return { id: nextId('evt'), type, occurredAt, data };
}
