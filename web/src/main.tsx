import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, config, session, signIn, signOut, type ConsoleConfig, type Role } from './api.ts';
import { OrderPage } from './buyer.tsx';
import { ClaimList, ClaimPage, Queue } from './claims.tsx';
import { lang, setLang, t, type Label } from './i18n.ts';
import { Enrollments, MerchantPolicies, Plans } from './merchant.tsx';
import { DepositPage, Payouts } from './money.tsx';
import { ErrorBox, Page } from './ui.tsx';

/**
 * The claims desk (issue 21): one static page, hash routes, the API called with the signed-in
 * party's JWT. Views by role — adjuster/ops: queue, claim, payouts, deposits; merchant: plans,
 * enrollments, policies, claims, deposit; buyer: an order's policies, claims.
 */
const NAV: Record<Role, [string, Label][]> = {
  adjuster: [
    ['#/queue', 'queue'],
    ['#/claims', 'claims'],
    ['#/payouts', 'payouts'],
    ['#/deposit', 'deposits'],
  ],
  ops: [
    ['#/queue', 'queue'],
    ['#/claims', 'claims'],
    ['#/payouts', 'payouts'],
    ['#/deposit', 'deposits'],
  ],
  merchant: [
    ['#/plans', 'plans'],
    ['#/enrollments', 'enrollments'],
    ['#/policies', 'policies'],
    ['#/claims', 'claims'],
    ['#/deposit', 'deposits'],
  ],
  buyer: [
    ['#/orders', 'orders'],
    ['#/claims', 'myClaims'],
  ],
  service: [],
};

function useHash(): string {
  const [hash, setHash] = useState(location.hash || '#/');
  useEffect(() => {
    const onChange = () => setHash(location.hash || '#/');
    addEventListener('hashchange', onChange);
    return () => removeEventListener('hashchange', onChange);
  }, []);
  return hash;
}

/** Re-renders the app when the session or the language changes. */
function useSignals(): void {
  const [, tick] = useState(0);
  useEffect(() => {
    const off = [session.subscribe(() => tick((n) => n + 1)), lang.subscribe(() => tick((n) => n + 1))];
    return () => off.forEach((f) => f());
  }, []);
}

function route(hash: string, role: Role) {
  const [, first = '', second] = hash.replace(/^#/, '').split('/').map(decodeURIComponent);
  switch (first) {
    case 'queue':
      return <Queue />;
    case 'claims':
      return second ? <ClaimPage key={second} claimId={second} /> : <ClaimList />;
    case 'payouts':
      return <Payouts />;
    case 'deposit':
      return <DepositPage key={second ?? ''} merchantId={second} />;
    case 'plans':
      return <Plans />;
    case 'enrollments':
      return <Enrollments />;
    case 'policies':
      return <MerchantPolicies />;
    case 'orders':
      return <OrderPage key={second ?? ''} orderId={second} />;
    default: {
      const home = NAV[role][0]?.[0];
      if (home) location.replace(home);
      return null;
    }
  }
}

function App() {
  useSignals();
  const hash = useHash();
  const current = session.value;
  return (
    <>
      <header>
        <span class="brand">{t('brand')}</span>
        {current && (
          <nav aria-label={t('brand')}>
            <ul>
              {NAV[current.role].map(([href, label]) => (
                <li key={href}>
                  <a href={href} aria-current={hash.startsWith(href) ? 'page' : undefined}>
                    {t(label)}
                  </a>
                </li>
              ))}
            </ul>
          </nav>
        )}
        <span class="spacer" />
        {current && (
          <span id="whoami">
            {t(`role_${current.role}` as Label)} · {current.sub}
          </span>
        )}
        <button
          type="button"
          class="link"
          id="lang"
          lang={lang.value === 'zh' ? 'en' : 'zh-CN'}
          title={t('languageLabel')}
          onClick={() => setLang(lang.value === 'zh' ? 'en' : 'zh')}
        >
          {t('language')}
        </button>
        {current && (
          <button type="button" class="link" id="sign-out" onClick={signOut}>
            {t('signOut')}
          </button>
        )}
      </header>
      <main>{current ? route(hash, current.role) : <SignIn />}</main>
    </>
  );
}

function SignIn() {
  const cfg = config.value;
  const [error, setError] = useState<string>();
  const [token, setToken] = useState('');
  return (
    <Page title={t('signIn')}>
      {cfg.auth.local ? <LocalPicker onError={setError} /> : <ProviderSignIn />}
      <ErrorBox message={error} />
      <form
        class="card"
        onSubmit={(e) => {
          e.preventDefault();
          if (!signIn(token.trim())) setError('Not a JWT with sub and role');
        }}
      >
        <label for="token">{t('pasteToken')}</label>
        <textarea id="token" value={token} onInput={(e) => setToken((e.target as HTMLTextAreaElement).value)} />
        <div>
          <button type="submit" class="secondary">
            {t('useToken')}
          </button>
        </div>
      </form>
    </Page>
  );
}

/** npm start only: the demo parties, and any id for a role; the local runtime mints the token. */
function LocalPicker({ onError }: { onError: (message: string) => void }) {
  const [parties, setParties] = useState<{ label: string; sub: string; role: Role }[]>([]);
  const [subs, setSubs] = useState<Record<string, string>>({});
  useEffect(() => {
    api<{ label: string; sub: string; role: Role }[]>('GET', '/local-auth/parties').then(setParties, (e: Error) => onError(e.message));
  }, []);
  const pick = async (role: Role, sub: string) => {
    try {
      const { token } = await api<{ token: string }>('POST', '/local-auth/tokens', { role, sub });
      signIn(token);
    } catch (e) {
      onError((e as Error).message);
    }
  };
  return (
    <section aria-labelledby="picker-heading">
      <h2 id="picker-heading">{t('signInAs')}</h2>
      <div class="parties">
        {parties
          .filter((p) => p.role !== 'service')
          .map((p) => (
            <div class="card" key={p.role}>
              <label for={`sub-${p.role}`}>
                {t(`role_${p.role}` as Label)} · {t('subject')}
              </label>
              <input id={`sub-${p.role}`} value={subs[p.role] ?? p.sub} onInput={(e) => setSubs({ ...subs, [p.role]: (e.target as HTMLInputElement).value })} />
              <button type="button" id={`as-${p.role}`} onClick={() => pick(p.role, subs[p.role] ?? p.sub)}>
                {t('signIn')} · {t(`role_${p.role}` as Label)}
              </button>
            </div>
          ))}
      </div>
    </section>
  );
}

/** AWS: the configured provider's authorize endpoint (implicit flow, the ID token comes back in the fragment). */
function ProviderSignIn() {
  const { auth } = config.value;
  if (!auth.authorizeUrl || !auth.clientId) return null;
  const url = new URL(auth.authorizeUrl);
  url.searchParams.set('response_type', 'token');
  url.searchParams.set('client_id', auth.clientId);
  url.searchParams.set('redirect_uri', `${location.origin}/`);
  url.searchParams.set('scope', 'openid');
  return (
    <p>
      <a href={url.toString()}>{t('providerSignIn')}</a>
    </p>
  );
}

async function start(): Promise<void> {
  config.value = (await fetch('./config.json').then((r) => r.json())) as ConsoleConfig;
  document.documentElement.lang = lang.value === 'zh' ? 'zh-CN' : 'en';
  const returned = new URLSearchParams(location.hash.replace(/^#/, '')).get('id_token');
  if (returned) {
    signIn(returned);
    history.replaceState(null, '', location.pathname);
  } else {
    const stored = sessionStorage.getItem('token');
    if (stored) signIn(stored);
  }
  render(<App />, document.getElementById('app')!);
}

void start();
