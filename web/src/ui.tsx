// Small shared pieces: the error box (what happened, what to do), a render-error boundary, the
// role context that hides controls a caller may not use, and a confirmation dialog.
import { Component, createContext, useContext, useEffect, useRef, type ReactNode } from 'react';
import { ApiError, allows, type Me, type Role } from './api';

export function ErrorBox({
  error,
  action,
  signedIn = true,
}: {
  error: unknown;
  action?: ReactNode;
  signedIn?: boolean;
}) {
  const e =
    error instanceof ApiError
      ? error
      : new ApiError(
          0,
          'Something went wrong in the dashboard',
          error instanceof Error ? error.message : String(error),
        );
  return (
    <div className="error" role="alert">
      <strong>{e.title}</strong>
      {e.status ? <span className="muted"> (HTTP {e.status})</span> : null}
      <p>{e.detail}</p>
      {e.status === 401 && signedIn ? (
        <p>Your login has expired or was revoked: reload the page to sign in again.</p>
      ) : null}
      {action}
    </div>
  );
}

export class ErrorBoundary extends Component<{ children: ReactNode }, { error?: unknown }> {
  override state: { error?: unknown } = {};
  static getDerivedStateFromError(error: unknown) {
    return { error };
  }
  override render() {
    if (this.state.error === undefined) return this.props.children;
    return (
      <main className="page">
        <ErrorBox
          error={this.state.error}
          action={
            <p>
              Reload the page; if it happens again, the browser console and the API log (.data/logs/) say more.{' '}
              <button type="button" onClick={() => location.reload()}>
                Reload
              </button>
            </p>
          }
        />
      </main>
    );
  }
}

export const MeContext = createContext<Me | undefined>(undefined);

/** Whether the signed-in caller has `role` (controls they may not use are not rendered). */
export function useCan(role: Role): boolean {
  const me = useContext(MeContext);
  return !!me && allows(me.role, role);
}

export function Confirm({
  title,
  children,
  confirmLabel,
  onConfirm,
  onCancel,
}: {
  title: string;
  children: ReactNode;
  confirmLabel: string;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
  }, []);
  return (
    <dialog ref={ref} className="dialog" aria-labelledby="confirm-title" onCancel={onCancel}>
      <h2 id="confirm-title">{title}</h2>
      {children}
      <div className="row end">
        <button type="button" onClick={onCancel} autoFocus>
          Cancel
        </button>
        <button type="button" className="danger" onClick={onConfirm}>
          {confirmLabel}
        </button>
      </div>
    </dialog>
  );
}

export function StatusBadge({ status }: { status: string }) {
  return <span className={`badge s-${status}`}>{status.replace('_', ' ')}</span>;
}

/** Saves `text` as a file named `name` (through a blob: URL, which the CSP allows for downloads). */
export function downloadText(name: string, text: string, type: string) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
