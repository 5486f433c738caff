// The shell: who is signed in (GET /auth/me), the sign-in page when nobody is, the navigation, the
// live connection's banner and the routes of every view.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState, type FormEvent } from 'react';
import { Link, Route, Switch, useLocation } from 'wouter';
import { AnalyticsRoute } from './views/analytics-route';
import { ApiError, api, type Me } from './api';
import { useLiveState, type LiveState } from './live';
import { ErrorBox, MeContext } from './ui';
import { Admin } from './views/Admin';
import { DesignerListRoute, DesignerRoute } from './views/designer-route';
import { Memory } from './views/Memory';
import { Overview } from './views/Overview';
import { RunView } from './views/Run';
import { Schedules } from './views/Schedules';
import { SessionView } from './views/Session';
import { Sessions } from './views/Sessions';
import { Workflows } from './views/Workflows';
import { Settings } from './views/Settings';

export function App() {
  const me = useQuery({ queryKey: ['me'], queryFn: () => api<Me>('/auth/me'), retry: false });
  if (me.isPending) return <p className="page muted">Loading…</p>;
  if (me.error instanceof ApiError && me.error.status === 401) return <SignIn />;
  if (me.error)
    return (
      <main className="page">
        <ErrorBox error={me.error} />
      </main>
    );
  return (
    <MeContext.Provider value={me.data}>
      <Shell me={me.data} />
    </MeContext.Provider>
  );
}

function SignIn() {
  const client = useQueryClient();
  const [key, setKey] = useState('');
  const login = useMutation({
    mutationFn: () => api('/auth/login', { method: 'POST', body: { key } }),
    onSuccess: () => client.invalidateQueries({ queryKey: ['me'] }),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    login.mutate();
  };
  return (
    <main className="signin">
      <form className="card" onSubmit={submit} aria-labelledby="signin-title">
        <h1 id="signin-title">Sign in to Claude Flow</h1>
        <p className="muted">
          This API needs a key. Paste one (CLAUDE_FLOW_API_KEY, or a key an admin made with POST /keys); the browser
          keeps only a login cookie, never the key.
        </p>
        <label>
          API key
          <input
            type="password"
            autoComplete="current-password"
            value={key}
            onChange={(e) => setKey(e.target.value)}
            required
            autoFocus
          />
        </label>
        {login.error ? <ErrorBox error={login.error} signedIn={false} /> : null}
        <button type="submit" className="primary" disabled={login.isPending || !key}>
          {login.isPending ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}

function NavLink({ href, children }: { href: string; children: string }) {
  const [loc] = useLocation();
  const current = href === '/' ? loc === '/' : loc.startsWith(href);
  return (
    <Link href={href} aria-current={current ? 'page' : undefined}>
      {children}
    </Link>
  );
}

/** A lost live connection is said, not hidden: after a moment of reconnecting, or once signed out. */
function LiveBanner({ state }: { state: LiveState }) {
  const client = useQueryClient();
  const [late, setLate] = useState(false);
  useEffect(() => {
    if (state !== 'reconnecting') {
      setLate(false);
      return;
    }
    const t = setTimeout(() => setLate(true), 2_000);
    return () => clearTimeout(t);
  }, [state]);
  if (state === 'signed-out')
    return (
      <div className="banner danger" role="alert">
        Your login ended or its key was revoked, so live updates stopped.{' '}
        <button type="button" onClick={() => void client.resetQueries({ queryKey: ['me'] })}>
          Sign in again
        </button>
      </div>
    );
  if (!late) return null;
  return (
    <div className="banner" role="status" data-testid="live-lost">
      Live updates are interrupted: reconnecting by itself. What you see may be out of date until then.
    </div>
  );
}

function Shell({ me }: { me: Me }) {
  const client = useQueryClient();
  const { state: liveState, transport } = useLiveState();
  const logout = useMutation({
    mutationFn: () => api('/auth/logout', { method: 'POST' }),
    onSuccess: () => client.resetQueries({ queryKey: ['me'] }),
  });
  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <span className="brand">Claude Flow</span>
        <nav aria-label="Main">
          <NavLink href="/">Overview</NavLink>
          <NavLink href="/sessions">Sessions</NavLink>
          <NavLink href="/workflows">Workflows</NavLink>
          <NavLink href="/designer">Designer</NavLink>
          <NavLink href="/memory">Memory</NavLink>
          <NavLink href="/analytics">Analytics</NavLink>
          <NavLink href="/settings">Settings</NavLink>
          {me.role === 'admin' ? <NavLink href="/admin">Admin</NavLink> : null}
        </nav>
        <span className="who">
          <span
            className={`dot ${liveState}`}
            title={`Live updates: ${liveState}${transport === 'sse' ? ' (server-sent events)' : ''}`}
          />
          <span className="sr-only">Live updates: {liveState}. </span>
          {me.name} · <span className="role">{me.role}</span>
          {me.via === 'cookie' ? (
            <button type="button" className="link" onClick={() => logout.mutate()}>
              Sign out
            </button>
          ) : null}
        </span>
      </header>
      <LiveBanner state={liveState} />
      <main id="main" className="page" tabIndex={-1}>
        <Switch>
          <Route path="/" component={Overview} />
          <Route path="/analytics" component={AnalyticsRoute} />
          <Route path="/sessions" component={Sessions} />
          <Route path="/memory" component={Memory} />
          <Route path="/sessions/:id">{(p) => <SessionView id={p.id} />}</Route>
          <Route path="/workflows" component={Workflows} />
          <Route path="/workflows/schedules" component={Schedules} />
          {/* Run ids may hold `/` (children of custom workflows): links encode it, this decodes. */}
          <Route path="/workflows/runs/*">{(p) => <RunView id={decodeURIComponent(p['*'])} />}</Route>
          <Route path="/designer" component={DesignerListRoute} />
          <Route path="/designer/:name">{(p) => <DesignerRoute name={decodeURIComponent(p.name)} />}</Route>
          <Route path="/settings" component={Settings} />
          <Route path="/admin" component={Admin} />
          <Route>
            <ErrorBox
              error={
                new ApiError(
                  404,
                  'No such page',
                  'This address is not a page of the dashboard: choose a view from the menu above.',
                )
              }
            />
          </Route>
        </Switch>
      </main>
    </>
  );
}
