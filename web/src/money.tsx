import { useState } from 'preact/hooks';
import { api, listAll, session } from './api.ts';
import type { Deposit as DepositBody, Payout } from './types.ts';
import { time, yuan } from './format.ts';
import { t } from './i18n.ts';
import { ErrorBox, Loaded, Page, Status, useAction, useLoad } from './ui.tsx';

/** Ops: payouts needing attention (overdue, failed, waiting for a payee) first, and the payout job. */
export function Payouts() {
  const state = useLoad(() => listAll<Payout>('/v1/payouts'), []);
  const action = useAction();
  const [ran, setRan] = useState<string>();
  const attention = (p: Payout) => p.overdue || p.deferred || p.status === 'FAILED';
  return (
    <Page title={t('payouts')}>
      {session.value?.role === 'ops' && (
        <div class="row">
          <button
            type="button"
            id="run-payout-job"
            disabled={action.pending}
            onClick={() =>
              action.run(async () => {
                const result = await api('POST', '/v1/jobs/payout/runs');
                setRan(`${t('jobDone')}: ${JSON.stringify(result)}`);
                state.reload();
              })
            }
          >
            {t('runPayoutJob')}
          </button>
        </div>
      )}
      {ran && (
        <p class="notice" role="status" id="job-result">
          {ran}
        </p>
      )}
      <ErrorBox message={action.error} />
      <Loaded state={state}>
        {(payouts) => {
          const sorted = [...payouts].sort((a, b) => Number(attention(b)) - Number(attention(a)) || a.dueBy.localeCompare(b.dueBy));
          return (
            <>
              <h2>
                {t('payoutsAttention')}: {payouts.filter(attention).length}
              </h2>
              <table id="payouts">
                <thead>
                  <tr>
                    <th scope="col">ID</th>
                    <th scope="col">{t('claim')}</th>
                    <th scope="col">{t('status')}</th>
                    <th scope="col" class="num">
                      {t('amount')}
                    </th>
                    <th scope="col">{t('dueBy')}</th>
                    <th scope="col" class="num">
                      {t('attempts')}
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {sorted.map((p) => (
                    <tr key={p.payoutId}>
                      <td>{p.payoutId}</td>
                      <td>{p.claimId ? <a href={`#/claims/${p.claimId}`}>{p.claimId}</a> : (p.withdrawalId ?? '')}</td>
                      <td>
                        <Status value={p.status} /> {p.overdue && <span class="late">{t('overdue')}</span>}{' '}
                        {p.deferred && <span class="late">{t('deferred')}</span>}
                      </td>
                      <td class="num">{yuan(p.amountFen)}</td>
                      <td>{time(p.dueBy)}</td>
                      <td class="num">{p.attempts}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          );
        }}
      </Loaded>
    </Page>
  );
}

/** Ops picks a merchant; a merchant sees its own. */
export function DepositPage({ merchantId }: { merchantId?: string | undefined }) {
  const me = session.value!;
  const [chosen, setChosen] = useState(merchantId ?? (me.role === 'merchant' ? me.sub : ''));
  const [input, setInput] = useState(chosen);
  return (
    <Page title={t('depositLedger')}>
      {me.role !== 'merchant' && (
        <form
          class="row"
          onSubmit={(e) => {
            e.preventDefault();
            setChosen(input);
          }}
        >
          <div>
            <label for="merchant-id">{t('merchantId')}</label>
            <input id="merchant-id" value={input} onInput={(e) => setInput((e.target as HTMLInputElement).value)} />
          </div>
          <button type="submit">{t('show')}</button>
        </form>
      )}
      {chosen && <Deposit merchantId={chosen} />}
    </Page>
  );
}

function Deposit({ merchantId }: { merchantId: string }) {
  const state = useLoad(() => api<DepositBody>('GET', `/v1/merchants/${merchantId}/deposit`), [merchantId]);
  const role = session.value!.role;
  return (
    <Loaded state={state}>
      {(deposit) => (
        <>
          <div class="card grid" id="deposit">
            <dl>
              <dt>{t('balance')}</dt>
              <dd id="deposit-balance">{yuan(deposit.balanceFen)}</dd>
            </dl>
            <dl>
              <dt>{t('held')}</dt>
              <dd>{yuan(deposit.heldFen)}</dd>
            </dl>
            <dl>
              <dt>{t('available')}</dt>
              <dd>{yuan(deposit.availableFen)}</dd>
            </dl>
            <dl>
              <dt>{t('minimum')}</dt>
              <dd>{yuan(deposit.minimumFen)}</dd>
            </dl>
          </div>
          {role === 'merchant' && <MerchantDepositActions merchantId={merchantId} onDone={state.reload} />}
          <h2>{t('withdrawals')}</h2>
          <table id="withdrawals">
            <thead>
              <tr>
                <th scope="col">ID</th>
                <th scope="col">{t('status')}</th>
                <th scope="col" class="num">
                  {t('amount')}
                </th>
                <th scope="col">{t('reason')}</th>
                <th scope="col">{t('submittedAt')}</th>
                {role === 'ops' && <th scope="col">{t('decide')}</th>}
              </tr>
            </thead>
            <tbody>
              {deposit.withdrawals.map((w) => (
                <tr key={w.withdrawalId}>
                  <td>{w.withdrawalId}</td>
                  <td>
                    <Status value={w.status} />
                  </td>
                  <td class="num">{yuan(w.amountFen)}</td>
                  <td>{w.reason}</td>
                  <td>{time(w.requestedAt)}</td>
                  {role === 'ops' && <td>{w.status === 'REQUESTED' && <WithdrawalDecision id={w.withdrawalId} onDone={state.reload} />}</td>}
                </tr>
              ))}
            </tbody>
          </table>
          <h2>{t('movements')}</h2>
          <table id="movements">
            <thead>
              <tr>
                <th scope="col">{t('at')}</th>
                <th scope="col">{t('type')}</th>
                <th scope="col" class="num">
                  {t('amount')}
                </th>
                <th scope="col">{t('actor')}</th>
              </tr>
            </thead>
            <tbody>
              {deposit.movements.map((m) => (
                <tr key={m.movementId}>
                  <td>{time(m.at)}</td>
                  <td>{m.type}</td>
                  <td class="num">{yuan(m.deltaFen)}</td>
                  <td>
                    {m.actor.role} {m.actor.id ?? ''}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </Loaded>
  );
}

function WithdrawalDecision({ id, onDone }: { id: string; onDone: () => void }) {
  const action = useAction();
  const decide = (decision: 'approve' | 'reject') =>
    action.run(async () => {
      await api('POST', `/v1/deposit-withdrawals/${id}/decisions`, { decision });
      onDone();
    });
  return (
    <div class="row">
      <button type="button" disabled={action.pending} onClick={() => decide('approve')}>
        {t('approve')}
      </button>
      <button type="button" class="danger" disabled={action.pending} onClick={() => decide('reject')}>
        {t('reject')}
      </button>
      <ErrorBox message={action.error} />
    </div>
  );
}

/** 充值 through the payment page, 申请退还 (D3, D4). Amounts are typed in yuan and sent as fen. */
function MerchantDepositActions({ merchantId, onDone }: { merchantId: string; onDone: () => void }) {
  const [topUp, setTopUp] = useState('');
  const [withdraw, setWithdraw] = useState('');
  const [reason, setReason] = useState('');
  const [payUrl, setPayUrl] = useState<string>();
  const action = useAction();
  const toFen = (yuanText: string) => {
    const match = /^(\d+)(?:\.(\d{1,2}))?$/.exec(yuanText.trim());
    if (!match) throw new Error(`${yuanText}: ¥0.01 – ¥100000.00`);
    return Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'));
  };
  return (
    <div class="grid">
      <form
        class="card"
        onSubmit={(e) => {
          e.preventDefault();
          void action.run(async () => {
            const started = await api<{ payment: { payUrl: string } }>('POST', `/v1/merchants/${merchantId}/deposit/top-ups`, { amountFen: toFen(topUp) });
            setPayUrl(started.payment.payUrl);
          });
        }}
      >
        <label for="top-up-amount">{t('topUp')} (¥)</label>
        <input id="top-up-amount" inputMode="decimal" value={topUp} onInput={(e) => setTopUp((e.target as HTMLInputElement).value)} />
        <button type="submit" disabled={action.pending}>
          {t('topUp')}
        </button>
        {payUrl && (
          <p>
            <a id="pay-link" href={payUrl} target="_blank" rel="noreferrer">
              {t('pay')}
            </a>
          </p>
        )}
      </form>
      <form
        class="card"
        onSubmit={(e) => {
          e.preventDefault();
          void action.run(async () => {
            await api('POST', `/v1/merchants/${merchantId}/deposit/withdrawals`, { amountFen: toFen(withdraw), reason });
            onDone();
          });
        }}
      >
        <label for="withdraw-amount">{t('requestWithdrawal')} (¥)</label>
        <input id="withdraw-amount" inputMode="decimal" value={withdraw} onInput={(e) => setWithdraw((e.target as HTMLInputElement).value)} />
        <label for="withdraw-reason">{t('reason')}</label>
        <input id="withdraw-reason" value={reason} onInput={(e) => setReason((e.target as HTMLInputElement).value)} />
        <button type="submit" disabled={action.pending}>
          {t('requestWithdrawal')}
        </button>
      </form>
      <ErrorBox message={action.error} />
    </div>
  );
}
