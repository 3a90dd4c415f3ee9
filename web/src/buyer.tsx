import { useState } from 'preact/hooks';
import { api, uploadEvidence } from './api.ts';
import type { Claim, ListPage, Policy } from './types.ts';
import { EvidenceFields } from './claims.tsx';
import { t } from './i18n.ts';
import { PolicyTable } from './merchant.tsx';
import { ErrorBox, Loaded, Page, useAction, useLoad } from './ui.tsx';

/** 订单详情 → 保单: an order's policies (I7); file a claim on one, with an uploaded report or a proof order. */
export function OrderPage({ orderId }: { orderId?: string | undefined }) {
  const [input, setInput] = useState(orderId ?? '');
  return (
    <Page title={t('orders')}>
      <form
        class="row"
        onSubmit={(e) => {
          e.preventDefault();
          location.hash = `#/orders/${encodeURIComponent(input)}`;
        }}
      >
        <div>
          <label for="order-id">{t('orderId')}</label>
          <input id="order-id" value={input} onInput={(e) => setInput((e.target as HTMLInputElement).value)} />
        </div>
        <button type="submit">{t('show')}</button>
      </form>
      {orderId && <OrderPolicies orderId={orderId} />}
    </Page>
  );
}

function OrderPolicies({ orderId }: { orderId: string }) {
  const state = useLoad(() => api<ListPage<Policy>>('GET', `/v1/orders/${encodeURIComponent(orderId)}/policies`), [orderId]);
  const [claiming, setClaiming] = useState<Policy>();
  return (
    <Loaded state={state}>
      {(data) => (
        <>
          <h2>{t('policies')}</h2>
          <PolicyTable
            policies={data.items}
            actions={(p) =>
              p.status === 'ACTIVE' && !p.claimId ? (
                <button type="button" class="secondary" id={`claim-${p.policyId}`} onClick={() => setClaiming(p)}>
                  {t('fileClaim')}
                </button>
              ) : null
            }
          />
          {claiming && <ClaimForm policy={claiming} />}
        </>
      )}
    </Loaded>
  );
}

function ClaimForm({ policy }: { policy: Policy }) {
  const [description, setDescription] = useState('');
  const [proofOrderId, setProofOrderId] = useState('');
  const [type, setType] = useState('brand-authentication-report');
  const [files, setFiles] = useState<File[]>([]);
  const action = useAction();
  const submit = (e: Event) => {
    e.preventDefault();
    void action.run(async () => {
      const evidence = [];
      for (const file of files) evidence.push(await uploadEvidence(`/v1/policies/${policy.policyId}`, file, type));
      const claim = await api<Claim>('POST', '/v1/claims', {
        policyId: policy.policyId,
        ...(proofOrderId ? { proofOrderId } : {}),
        ...(description ? { description } : {}),
        ...(evidence.length ? { evidence } : {}),
      });
      location.hash = `#/claims/${claim.claimId}`;
    });
  };
  return (
    <form class="card" onSubmit={submit} aria-labelledby="claim-form-heading" id="claim-form">
      <h2 id="claim-form-heading">
        {t('fileClaim')} · {policy.policyId}
      </h2>
      <label for="claim-description">{t('description')}</label>
      <textarea id="claim-description" value={description} onInput={(e) => setDescription((e.target as HTMLTextAreaElement).value)} />
      <label for="proof-order">{t('proofOrderId')}</label>
      <input id="proof-order" value={proofOrderId} onInput={(e) => setProofOrderId((e.target as HTMLInputElement).value)} />
      <EvidenceFields type={type} setType={setType} setFiles={setFiles} idPrefix="claim" />
      <div>
        <button id="submit-claim" type="submit" disabled={action.pending}>
          {action.pending ? t('uploading') : t('submit')}
        </button>
      </div>
      <ErrorBox message={action.error} />
    </form>
  );
}
