import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { ApiError } from './api';
import { applyTheme, readPref, type Theme } from './prefs';
import { ErrorBoundary } from './ui';
import './style.css';
import './layout.css';

// The chosen theme before anything is drawn (no flash of the other one); no inline script needed.
applyTheme(readPref<Theme>('theme', 'system'));

// A 401 on any call of a signed-in page means the login ended (revoked, expired, signed out
// elsewhere): ask who we are again, which answers 401 too and brings up the sign-in page. (Not
// when nobody is signed in: the sign-in page's own 401 stays on it, with its message.)
const signedOut = (err: unknown) => {
  if (err instanceof ApiError && err.status === 401 && queries.getQueryData(['me']) !== undefined)
    void queries.invalidateQueries({ queryKey: ['me'] });
};
const queries: QueryClient = new QueryClient({
  queryCache: new QueryCache({ onError: (err, query) => query.queryKey[0] !== 'me' && signedOut(err) }),
  mutationCache: new MutationCache({ onError: signedOut }),
  defaultOptions: {
    queries: {
      retry: (n, err) => n < 2 && !(err as { status?: number }).status,
      refetchOnWindowFocus: true,
      staleTime: 5_000,
    },
  },
});

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <ErrorBoundary>
      <QueryClientProvider client={queries}>
        <App />
      </QueryClientProvider>
    </ErrorBoundary>
  </StrictMode>,
);
