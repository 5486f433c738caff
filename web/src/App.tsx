// The shell: who is signed in (GET /auth/me), the sign-in page when nobody is, the navigation and
// the routes of this step (Overview, Sessions, a session, Memory).
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link, Route, Switch, useLocation } from 'wouter';
import { ApiError, api, type Me } from './api';
import { useLiveState } from './live';
import { ErrorBox, MeContext } from './ui';
import { Admin } from './views/Admin';
import { Memory } from './views/Memory';
import { Overview } from './views/Overview';
import { SessionView } from './views/Session';
import { Sessions } from './views/Sessions';
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

function Shell({ me }: { me: Me }) {
  const client = useQueryClient();
  const liveState = useLiveState();
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
          <NavLink href="/memory">Memory</NavLink>
          <NavLink href="/settings">Settings</NavLink>
          {me.role === 'admin' ? <NavLink href="/admin">Admin</NavLink> : null}
        </nav>
        <span className="who">
          <span className={`dot ${liveState}`} title={`Live updates: ${liveState}`} />
          <span className="sr-only">Live updates: {liveState}. </span>
          {me.name} · <span className="role">{me.role}</span>
          {me.via === 'cookie' ? (
            <button type="button" className="link" onClick={() => logout.mutate()}>
              Sign out
            </button>
          ) : null}
        </span>
      </header>
      <main id="main" className="page" tabIndex={-1}>
        <Switch>
          <Route path="/" component={Overview} />
          <Route path="/sessions" component={Sessions} />
          <Route path="/memory" component={Memory} />
          <Route path="/sessions/:id">{(p) => <SessionView id={p.id} />}</Route>
          <Route path="/settings" component={Settings} />
          <Route path="/admin" component={Admin} />
          <Route>
            <ErrorBox
              error={new ApiError(404, 'No such page', 'Go to the Overview, Sessions or Memory from the menu above.')}
            />
          </Route>
        </Switch>
      </main>
    </>
  );
}
