/** C3, C5: what makes two order lines the same SKU, and the proof order's line for a claimed line. */
import type { Order, OrderLine, SkuAttributes } from './types.ts';

const SKU_ATTRIBUTE_KEYS: readonly (keyof SkuAttributes)[] = ['name', 'spec', 'model', 'brand', 'size', 'color', 'saleMethod'];

/** C5: the same SKU is the same name, spec, model, brand, size, colour and sale method (003). */
export function sameSkuAttributes(a: SkuAttributes, b: SkuAttributes): boolean {
  return SKU_ATTRIBUTE_KEYS.every((key) => a[key] === b[key]);
}

/** C3, C5: a proof line of the same merchant with the same SKU attributes on another listing. */
export function changedListingLine(proof: Order, order: Order, line: OrderLine): OrderLine | undefined {
  return proof.merchantId === order.merchantId
    ? proof.lines.find((l) => l.itemId !== line.itemId && sameSkuAttributes(l.skuAttributes, line.skuAttributes))
    : undefined;
}
