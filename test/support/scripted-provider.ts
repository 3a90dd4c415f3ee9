/**
 * A payment provider (the port of shared/payments/port.ts) that answers from a script, for unit
 * tests of the payout job: each transfer or query takes the next answer — an outcome, an Error
 * (thrown, as a timeout or dropped connection would be), or a function of the request (to act
 * meanwhile, as another run would). An unscripted call fails the test's expectations loudly.
 */
import type { NotSent, PaymentProvider, QueryOutcome, TransferGuard, TransferOutcome, TransferRequest } from '#shared/payments/port.ts';

type Answer<T, R> = T | Error | ((request: R, guard?: TransferGuard) => T | Promise<T>);

export interface ProviderScript {
  transfer?: Answer<TransferOutcome | NotSent, TransferRequest>[];
  query?: Answer<QueryOutcome, string>[];
}

export class ScriptedProvider implements PaymentProvider {
  readonly name = 'local' as const;
  readonly transfers: TransferRequest[] = [];
  readonly queries: string[] = [];
  private readonly script: Required<ProviderScript>;

  constructor(
    script: ProviderScript = {},
    readonly maxCallMs = 0,
  ) {
    this.script = { transfer: [...(script.transfer ?? [])], query: [...(script.query ?? [])] };
  }

  /** More answers, for the next run. */
  andThen(script: ProviderScript): this {
    this.script.transfer.push(...(script.transfer ?? []));
    this.script.query.push(...(script.query ?? []));
    return this;
  }

  async transfer(request: TransferRequest, guard?: TransferGuard): Promise<TransferOutcome | NotSent> {
    this.transfers.push(request);
    return answer(this.script.transfer.shift(), request, guard, `transfer ${request.outBizNo}`);
  }

  async query(outBizNo: string): Promise<QueryOutcome> {
    this.queries.push(outBizNo);
    return answer(this.script.query.shift(), outBizNo, undefined, `query ${outBizNo}`);
  }
}

async function answer<T, R>(next: Answer<T, R> | undefined, request: R, guard: TransferGuard | undefined, what: string): Promise<T> {
  if (next === undefined) throw new Error(`unscripted provider call: ${what}`);
  if (next instanceof Error) throw next;
  if (typeof next === 'function') return (next as (request: R, guard?: TransferGuard) => T | Promise<T>)(request, guard);
  return next;
}
