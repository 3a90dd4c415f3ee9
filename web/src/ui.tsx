import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { t } from './i18n.ts';

/** Loads data for a view; `reload` after an action. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]) {
  const [state, setState] = useState<{ data?: T; error?: string; loading: boolean }>({ loading: true });
  const reload = useCallback(() => {
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => setState({ data, loading: false }),
      (error: Error) => setState({ error: error.message, loading: false }),
    );
  }, deps);
  useEffect(reload, [reload]);
  return { ...state, reload };
}

/** Runs an action, shows its error; returns a pending flag for the button. */
export function useAction() {
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string>();
  const run = async (action: () => Promise<unknown>) => {
    setPending(true);
    setError(undefined);
    try {
      await action();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setPending(false);
    }
  };
  return { pending, error, run };
}

export const ErrorBox = ({ message }: { message?: string | undefined }) =>
  message ? (
    <p class="error" role="alert">
      {message}
    </p>
  ) : null;

export function Loaded<T>({ state, children }: { state: { data?: T; error?: string; loading: boolean }; children: (data: T) => ComponentChildren }) {
  if (state.error) return <ErrorBox message={state.error} />;
  if (state.data === undefined) return <p aria-busy="true">{t('loading')}</p>;
  return <>{children(state.data)}</>;
}

export const Status = ({ value }: { value: string }) => <span class={`status ${value}`}>{value}</span>;

export const Page = ({ title, children }: { title: string; children: ComponentChildren }) => (
  <>
    <h1>{title}</h1>
    {children}
  </>
);
