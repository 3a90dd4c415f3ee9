import { useState } from 'preact/hooks';
import { api, listAll, session, uploadEvidence } from './api.ts';
import type { Claim, EvidenceItem, InsuredLine, Policy } from './types.ts';
import { duration, time, yuan } from './format.ts';
import { t } from './i18n.ts';
import { ErrorBox, Loaded, Page, Status, useAction, useLoad } from './ui.tsx';

const isStaff = () => session.value?.role === 'adjuster' || session.value?.role === 'ops';

/** Adjusters and ops: the claims waiting for a decision, oldest first, with their age and due timers; bulk approve. */
export function Queue() {
  const [status, setStatus] = useState<'UNDER_REVIEW' | 'NEEDS_INFO'>('UNDER_REVIEW');
  const state = useLoad(async () => (await listAll<Claim>(`/v1/claims?status=${status}`)).sort((a, b) => a.submittedAt.localeCompare(b.submittedAt)), [status]);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const action = useAction();
  const approveSelected = () =>
    action.run(async () => {
      for (const claimId of selected) await api('POST', `/v1/claims/${claimId}/decisions`, { decision: 'approve' });
      setSelected(new Set());
      state.reload();
    });
  return (
    <Page title={t('queue')}>
      <fieldset class="row" aria-label={t('status')}>
        <button
          type="button"
          class={status === 'UNDER_REVIEW' ? '' : 'secondary'}
          aria-pressed={status === 'UNDER_REVIEW'}
          onClick={() => setStatus('UNDER_REVIEW')}
        >
          {t('queue')}
        </button>
        <button type="button" class={status === 'NEEDS_INFO' ? '' : 'secondary'} aria-pressed={status === 'NEEDS_INFO'} onClick={() => setStatus('NEEDS_INFO')}>
          {t('needsInfo')}
        </button>
        {status === 'UNDER_REVIEW' && (
          <button type="button" id="approve-selected" disabled={selected.size === 0 || action.pending} onClick={approveSelected}>
            {t('approveSelected')} ({selected.size})
          </button>
        )}
      </fieldset>
      <ErrorBox message={action.error} />
      <p class="muted">{t('oldestFirst')}</p>
      <Loaded state={state}>
        {(claims) => (
          <table id="queue">
            <caption class="muted">
              {claims.length} {t('items')}
            </caption>
            <thead>
              <tr>
                <th scope="col">{t('select')}</th>
                <th scope="col">{t('claim')}</th>
                <th scope="col">{t('plan')}</th>
                <th scope="col" class="num">
                  {t('amount')}
                </th>
                <th scope="col">{t('submittedAt')}</th>
                <th scope="col">{t('age')}</th>
                <th scope="col">{t('dueBy')}</th>
              </tr>
            </thead>
            <tbody>
              {claims.map((claim) => {
                const late = claim.payoutDueBy && new Date(claim.payoutDueBy).getTime() < Date.now();
                return (
                  <tr key={claim.claimId}>
                    <td>
                      <input
                        type="checkbox"
                        aria-label={`${t('select')} ${claim.claimId}`}
                        checked={selected.has(claim.claimId)}
                        onChange={(e) => {
                          const next = new Set(selected);
                          if ((e.target as HTMLInputElement).checked) next.add(claim.claimId);
                          else next.delete(claim.claimId);
                          setSelected(next);
                        }}
                      />
                    </td>
                    <td>
                      <a href={`#/claims/${claim.claimId}`}>{claim.claimId}</a>
                    </td>
                    <td>{claim.planId}</td>
                    <td class="num">{yuan(claim.amountFen)}</td>
                    <td>{time(claim.submittedAt)}</td>
                    <td>{duration(claim.submittedAt)}</td>
                    <td class={late ? 'late' : ''}>{claim.payoutDueBy ? `${time(claim.payoutDueBy)}${late ? ` · ${t('overdue')}` : ''}` : '—'}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </Loaded>
    </Page>
  );
}

/** Any role: the claims the caller may see (a buyer its own, a merchant those on its orders). */
export function ClaimList() {
  const state = useLoad(async () => (await listAll<Claim>('/v1/claims')).sort((a, b) => b.submittedAt.localeCompare(a.submittedAt)), []);
  return (
    <Page title={session.value?.role === 'buyer' ? t('myClaims') : t('claims')}>
      <Loaded state={state}>
        {(claims) => (
          <table id="claims">
            <thead>
              <tr>
                <th scope="col">{t('claim')}</th>
                <th scope="col">{t('order')}</th>
                <th scope="col">{t('status')}</th>
                <th scope="col" class="num">
                  {t('amount')}
                </th>
                <th scope="col">{t('submittedAt')}</th>
              </tr>
            </thead>
            <tbody>
              {claims.map((claim) => (
                <tr key={claim.claimId}>
                  <td>
                    <a href={`#/claims/${claim.claimId}`}>{claim.claimId}</a>
                  </td>
                  <td>{claim.orderId}</td>
                  <td>
                    <Status value={claim.status} />
                  </td>
                  <td class="num">{yuan(claim.amountFen)}</td>
                  <td>{time(claim.submittedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Loaded>
    </Page>
  );
}

/** One claim with everything needed to decide it; the decision buttons for staff, more evidence for its buyer. */
export function ClaimPage({ claimId }: { claimId: string }) {
  const state = useLoad(async () => {
    const claim = await api<Claim>('GET', `/v1/claims/${claimId}`);
    const policy = await api<Policy>('GET', `/v1/policies/${claim.policyId}`).catch(() => undefined);
    return { claim, policy };
  }, [claimId]);
  return (
    <Page title={`${t('claim')} ${claimId}`}>
      <Loaded state={state}>
        {({ claim, policy }) => (
          <>
            <div class="card grid">
              <dl>
                <dt>{t('status')}</dt>
                <dd id="claim-status">
                  <Status value={claim.status} />
                </dd>
              </dl>
              <dl>
                <dt>{t('amount')}</dt>
                <dd id="claim-amount">{yuan(claim.amountFen)}</dd>
              </dl>
              <dl>
                <dt>{t('plan')}</dt>
                <dd>{claim.planId}</dd>
              </dl>
              <dl>
                <dt>{t('order')}</dt>
                <dd>{claim.orderId}</dd>
              </dl>
              <dl>
                <dt>{t('submittedAt')}</dt>
                <dd>
                  {time(claim.submittedAt)} ({duration(claim.submittedAt)})
                </dd>
              </dl>
              <dl>
                <dt>{t('dueBy')}</dt>
                <dd>{time(claim.payoutDueBy)}</dd>
              </dl>
              <dl>
                <dt>{t('claimant')}</dt>
                <dd>
                  {claim.claimant.role} {claim.claimant.id}
                </dd>
              </dl>
              <dl>
                <dt>{t('beneficiary')}</dt>
                <dd>
                  {claim.beneficiary.role} {claim.beneficiary.id}
                </dd>
              </dl>
            </div>
            {claim.description && <p>{claim.description}</p>}
            {isStaff() && ['UNDER_REVIEW', 'NEEDS_INFO'].includes(claim.status) && <DecisionForm claimId={claimId} onDone={state.reload} />}
            {session.value?.role === 'buyer' && claim.status === 'NEEDS_INFO' && <AddEvidence claimId={claimId} onDone={state.reload} />}
            <h2>{t('evidence')}</h2>
            <Evidence items={claim.evidence} />
            {policy && <PolicySnapshot policy={policy} />}
            <h2>{t('refunds')}</h2>
            <p>
              {claim.basis.netPaidFen !== undefined ? `${t('paid')}: ${yuan(claim.basis.netPaidFen)}` : t('none')}
              {claim.basis.alreadyCompensatedFen ? ` · ${yuan(claim.basis.alreadyCompensatedFen)}` : ''}
            </p>
            <h2>{t('history')}</h2>
            <table id="history">
              <thead>
                <tr>
                  <th scope="col">{t('at')}</th>
                  <th scope="col">{t('status')}</th>
                  <th scope="col">{t('actor')}</th>
                  <th scope="col">{t('note')}</th>
                </tr>
              </thead>
              <tbody>
                {claim.history.map((entry, i) => (
                  <tr key={i}>
                    <td>{time(entry.at)}</td>
                    <td>
                      <Status value={entry.status} />
                    </td>
                    <td>
                      {entry.actor.role} {entry.actor.id ?? ''}
                    </td>
                    <td>{entry.note ?? ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <h2>{t('ruleTrace')}</h2>
            <pre id="basis">{JSON.stringify(claim.basis, null, 2)}</pre>
          </>
        )}
      </Loaded>
    </Page>
  );
}

function Evidence({ items }: { items: EvidenceItem[] }) {
  if (items.length === 0) return <p>{t('none')}</p>;
  return (
    <ul class="evidence" id="evidence">
      {items.map((item, i) => (
        <li key={i} class="card">
          <strong>{item.type}</strong> {item.sizeBytes ? <span class="muted">({Math.ceil(item.sizeBytes / 1024)} KB)</span> : null}
          <div class="muted">
            {t('sha256')}: <code>{item.sha256}</code>
          </div>
          {item.downloadUrl && item.contentType?.startsWith('image/') && <img src={item.downloadUrl} alt={`${item.type} ${i + 1}`} />}
          <a href={item.downloadUrl ?? item.uri} target="_blank" rel="noreferrer">
            {t('download')} {item.type} {i + 1}
          </a>
        </li>
      ))}
    </ul>
  );
}

function PolicySnapshot({ policy }: { policy: Policy }) {
  // I8: the insured line as the policy snapshotted it at issue.
  const lines: InsuredLine[] = policy.insured ? [{ lineId: policy.lineId ?? '—', ...policy.insured }] : [];
  return (
    <>
      <h2>{t('policySnapshot')}</h2>
      <div class="card grid" id="policy">
        <dl>
          <dt>{t('policy')}</dt>
          <dd>{policy.policyId}</dd>
        </dl>
        <dl>
          <dt>{t('status')}</dt>
          <dd>
            <Status value={policy.status} />
          </dd>
        </dl>
        <dl>
          <dt>{t('insured')}</dt>
          <dd>{yuan(policy.insuredFen)}</dd>
        </dl>
        <dl>
          <dt>{t('premium')}</dt>
          <dd>{yuan(policy.premiumFen)}</dd>
        </dl>
        <dl>
          <dt>{t('coverage')}</dt>
          <dd>
            {time(policy.coverageStart)} – {time(policy.coverageEnd)}
          </dd>
        </dl>
      </div>
      <h2>{t('orderLines')}</h2>
      {lines.length === 0 ? (
        <pre>{JSON.stringify(policy.insured ?? {}, null, 2)}</pre>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">{t('line')}</th>
              <th scope="col">{t('sku')}</th>
              <th scope="col" class="num">
                {t('quantity')}
              </th>
              <th scope="col" class="num">
                {t('paid')}
              </th>
            </tr>
          </thead>
          <tbody>
            {lines.map((line) => (
              <tr key={String(line.lineId)}>
                <td>{line.lineId}</td>
                <td>{[line.skuAttributes?.brand, line.skuAttributes?.name, line.skuAttributes?.model].filter(Boolean).join(' ') || line.skuId}</td>
                <td class="num">{line.quantity ?? ''}</td>
                <td class="num">{line.paidFen !== undefined ? yuan(line.paidFen) : ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

function DecisionForm({ claimId, onDone }: { claimId: string; onDone: () => void }) {
  const [note, setNote] = useState('');
  const [reasonCode, setReasonCode] = useState('NOT_COUNTERFEIT');
  const action = useAction();
  const decide = (decision: 'approve' | 'reject' | 'request-info') =>
    action.run(async () => {
      await api('POST', `/v1/claims/${claimId}/decisions`, { decision, ...(decision === 'reject' ? { reasonCode } : {}), ...(note ? { note } : {}) });
      setNote('');
      onDone();
    });
  return (
    <section class="card" aria-labelledby="decide-heading">
      <h2 id="decide-heading">{t('decide')}</h2>
      <label for="decision-note">{t('note')}</label>
      <textarea id="decision-note" value={note} onInput={(e) => setNote((e.target as HTMLTextAreaElement).value)} />
      <label for="reason-code">{t('reasonCode')}</label>
      <input id="reason-code" value={reasonCode} onInput={(e) => setReasonCode((e.target as HTMLInputElement).value)} />
      <div class="row">
        <button type="button" id="approve" disabled={action.pending} onClick={() => decide('approve')}>
          {t('approve')}
        </button>
        <button type="button" id="request-info" class="secondary" disabled={action.pending} onClick={() => decide('request-info')}>
          {t('requestInfo')}
        </button>
        <button type="button" id="reject" class="danger" disabled={action.pending} onClick={() => decide('reject')}>
          {t('reject')}
        </button>
      </div>
      <ErrorBox message={action.error} />
    </section>
  );
}

/** The buyer answers a request for information with more files (A2). */
function AddEvidence({ claimId, onDone }: { claimId: string; onDone: () => void }) {
  const [files, setFiles] = useState<File[]>([]);
  const [note, setNote] = useState('');
  const [type, setType] = useState('brand-authentication-report');
  const action = useAction();
  const submit = (e: Event) => {
    e.preventDefault();
    void action.run(async () => {
      const evidence = [];
      for (const file of files) evidence.push(await uploadEvidence(`/v1/claims/${claimId}`, file, type));
      await api('POST', `/v1/claims/${claimId}/evidence`, { evidence, ...(note ? { note } : {}) });
      onDone();
    });
  };
  return (
    <form class="card" onSubmit={submit} aria-labelledby="add-evidence-heading">
      <h2 id="add-evidence-heading">{t('addEvidence')}</h2>
      <EvidenceFields type={type} setType={setType} setFiles={setFiles} idPrefix="more" />
      <label for="more-note">{t('note')}</label>
      <textarea id="more-note" value={note} onInput={(e) => setNote((e.target as HTMLTextAreaElement).value)} />
      <div>
        <button id="send-evidence" type="submit" disabled={action.pending || files.length === 0}>
          {action.pending ? t('uploading') : t('submit')}
        </button>
      </div>
      <ErrorBox message={action.error} />
    </form>
  );
}

export function EvidenceFields({
  type,
  setType,
  setFiles,
  idPrefix,
}: {
  type: string;
  setType: (v: string) => void;
  setFiles: (f: File[]) => void;
  idPrefix: string;
}) {
  return (
    <>
      <label for={`${idPrefix}-type`}>{t('evidenceType')}</label>
      <select id={`${idPrefix}-type`} value={type} onChange={(e) => setType((e.target as HTMLSelectElement).value)}>
        <option value="brand-authentication-report">brand-authentication-report</option>
        <option value="report-page">report-page</option>
        <option value="photo">photo</option>
      </select>
      <label for={`${idPrefix}-file`}>{t('reportFile')}</label>
      <input
        id={`${idPrefix}-file`}
        type="file"
        multiple
        accept="application/pdf,image/jpeg,image/png,image/webp"
        onChange={(e) => setFiles([...((e.target as HTMLInputElement).files ?? [])])}
      />
    </>
  );
}
