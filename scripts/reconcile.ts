/**
 * `npm run reconcile`: the deposit reconciliation report (shared/use-cases/reconcile.ts) for every
 * merchant that has a deposit account, or for the merchants named on the command line. Prints each
 * difference and a total; exits 1 when there is any (0 on a correct system).
 *
 * Finding every deposit account is the one whole-table read of the project: an offline ops report,
 * a Scan filtered on `entity = DepositAccount` (paged, never in a request path). Configure it like
 * the service: TABLE_NAME, DYNAMODB_ENDPOINT (npm start's DynamoDB Local), PAYMENT_PROVIDER.
 */
import './local-env.ts';
import { paginateScan } from '@aws-sdk/lib-dynamodb';

const { documentClient, tableName } = await import('#shared/store/client.ts');
const { selectPaymentProvider } = await import('#shared/payments/provider.ts');
const { reconcileDeposits } = await import('#shared/use-cases/reconcile.ts');

/** Every merchant with a deposit account (also `npm run ops -- reconcile`). */
export async function everyDepositMerchant(): Promise<string[]> {
  const ids: string[] = [];
  const pages = paginateScan(
    { client: documentClient },
    {
      TableName: tableName,
      FilterExpression: 'entity = :account',
      ProjectionExpression: 'merchantId',
      ExpressionAttributeValues: { ':account': 'DepositAccount' },
    },
  );
  for await (const page of pages) ids.push(...(page.Items ?? []).map((item) => String(item['merchantId'])));
  return ids.sort();
}

/** The report on `out`; resolves to the process exit code (1 when anything differs). */
export async function reconcileReport(named: readonly string[], out: (line: string) => void): Promise<number> {
  const merchants = named.length > 0 ? [...named] : await everyDepositMerchant();
  const { differences } = await reconcileDeposits(selectPaymentProvider(), merchants);
  for (const d of differences) {
    out(
      `${d.merchantId}\t${d.kind}\t${d.detail}${d.expected !== undefined ? `\texpected ${d.expected}` : ''}${d.actual !== undefined ? `\tactual ${d.actual}` : ''}`,
    );
  }
  out(`Reconciled ${merchants.length} deposit(s): ${differences.length} difference(s).`);
  return differences.length > 0 ? 1 : 0;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exit(await reconcileReport(process.argv.slice(2), console.log));
}
