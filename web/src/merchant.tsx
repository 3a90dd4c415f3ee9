import { useState } from 'preact/hooks';
import { api, listAll, session } from './api.ts';
import type { Enrollment, ListPage, Plan, Policy, Quote } from './types.ts';
import { bps, time, yuan } from './format.ts';
import { lang, t } from './i18n.ts';
import { ErrorBox, Loaded, Page, Status, useAction, useLoad } from './ui.tsx';

const me = () => session.value!.sub;

/** A plan's quote, or why it could not be had. */
type QuoteOrError = Quote | { error: string };

/** 商家保障 → 立即加入: each plan with this merchant's quote, the agreement version and the join button (J1–J6). */
export function Plans() {
  const state = useLoad(async () => {
    const catalog = await api<ListPage<Plan>>('GET', '/v1/plans');
    const quotes = await Promise.all(
      catalog.items.map((plan) => api<Quote>('GET', `/v1/merchants/${me()}/quotes/${plan.planId}`).catch((e: Error): QuoteOrError => ({ error: e.message }))),
    );
    return catalog.items.map((plan, i) => ({ plan, quote: quotes[i]! }));
  }, []);
  return (
    <Page title={t('plans')}>
      <Loaded state={state}>{(rows) => rows.map(({ plan, quote }) => <PlanCard key={plan.planId} plan={plan} quote={quote} />)}</Loaded>
    </Page>
  );
}

function PlanCard({ plan, quote }: { plan: Plan; quote: QuoteOrError }) {
  const [accepted, setAccepted] = useState(false);
  const [joined, setJoined] = useState<string>();
  const action = useAction();
  const id = `accept-${plan.planId}`;
  return (
    <section class="card" aria-labelledby={`plan-${plan.planId}`}>
      <h2 id={`plan-${plan.planId}`}>{lang.value === 'zh' ? plan.nameZh : plan.name}</h2>
      {'error' in quote ? (
        <ErrorBox message={quote.error} />
      ) : (
        <>
          <p>
            {quote.eligible ? t('eligible') : t('notEligible')} · {t('rate')} {bps(quote.rateBps)} · {t('agreement')} {quote.agreementVersion}
          </p>
          {quote.reasons.map((r) => (
            <p class="muted" key={r.code}>
              {r.code}: {r.detail}
            </p>
          ))}
          {quote.eligible && (
            <div class="row">
              <input id={id} type="checkbox" checked={accepted} onChange={(e) => setAccepted((e.target as HTMLInputElement).checked)} />
              <label for={id}>
                {t('acceptAgreement')} ({quote.agreementVersion})
              </label>
              <button
                type="button"
                disabled={!accepted || action.pending}
                onClick={() =>
                  action.run(async () => {
                    const enrollment = await api<Enrollment>('POST', `/v1/merchants/${me()}/enrollments`, {
                      planId: plan.planId,
                      acceptAgreement: true,
                      agreementVersion: quote.agreementVersion,
                      ...(quote.gift === 'required' ? { gift: true } : {}),
                    });
                    setJoined(enrollment.enrollmentId);
                  })
                }
              >
                {t('join')}
              </button>
            </div>
          )}
          {joined && (
            <p class="notice" role="status">
              {t('saved')}: {joined}
            </p>
          )}
          <ErrorBox message={action.error} />
        </>
      )}
    </section>
  );
}

export function Enrollments() {
  const state = useLoad(() => api<ListPage<Enrollment>>('GET', `/v1/merchants/${me()}/enrollments`), []);
  const action = useAction();
  const [reason, setReason] = useState('other');
  return (
    <Page title={t('enrollments')}>
      <label for="exit-reason">{t('reason')}</label>
      <select id="exit-reason" value={reason} onChange={(e) => setReason((e.target as HTMLSelectElement).value)}>
        {['policy-change', 'business-difficulty', 'misoperation', 'other'].map((r) => (
          <option key={r} value={r}>
            {r}
          </option>
        ))}
      </select>
      <ErrorBox message={action.error} />
      <Loaded state={state}>
        {(data) => (
          <table id="enrollments">
            <thead>
              <tr>
                <th scope="col">ID</th>
                <th scope="col">{t('plan')}</th>
                <th scope="col">{t('status')}</th>
                <th scope="col">{t('rate')}</th>
                <th scope="col">{t('joinedAt')}</th>
                <th scope="col">{t('exit')}</th>
              </tr>
            </thead>
            <tbody>
              {data.items.map((e) => (
                <tr key={e.enrollmentId}>
                  <td>{e.enrollmentId}</td>
                  <td>{e.planId}</td>
                  <td>
                    <Status value={e.status} />
                  </td>
                  <td>{bps(e.rateBps)}</td>
                  <td>{time(e.joinedAt)}</td>
                  <td>
                    {e.status === 'ACTIVE' && (
                      <button
                        type="button"
                        class="secondary"
                        disabled={action.pending}
                        onClick={() =>
                          action.run(async () => {
                            await api('POST', `/v1/merchants/${me()}/enrollments/${e.enrollmentId}/exit`, { reason });
                            state.reload();
                          })
                        }
                      >
                        {t('exit')} {e.planId}
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Loaded>
    </Page>
  );
}

export function MerchantPolicies() {
  const state = useLoad(() => listAll<Policy>(`/v1/merchants/${me()}/policies`), []);
  return (
    <Page title={t('policies')}>
      <Loaded state={state}>{(policies) => <PolicyTable policies={policies} />}</Loaded>
    </Page>
  );
}

export function PolicyTable({ policies, actions }: { policies: Policy[]; actions?: (policy: Policy) => preact.ComponentChildren }) {
  return (
    <table class="policies">
      <thead>
        <tr>
          <th scope="col">{t('policy')}</th>
          <th scope="col">{t('plan')}</th>
          <th scope="col">{t('order')}</th>
          <th scope="col">{t('status')}</th>
          <th scope="col" class="num">
            {t('insured')}
          </th>
          <th scope="col">{t('coverage')}</th>
          {actions && <th scope="col">{t('fileClaim')}</th>}
        </tr>
      </thead>
      <tbody>
        {policies.map((p) => (
          <tr key={p.policyId}>
            <td>{p.policyId}</td>
            <td>{p.planId}</td>
            <td>
              {p.orderId}
              {p.lineId ? ` / ${p.lineId}` : ''}
            </td>
            <td>
              <Status value={p.status} />
            </td>
            <td class="num">{yuan(p.insuredFen)}</td>
            <td>
              {time(p.coverageStart)} – {time(p.coverageEnd)}
            </td>
            {actions && <td>{actions(p)}</td>}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
