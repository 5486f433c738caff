import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { ErrorBoundary } from './ui';
import './style.css';

const queries = new QueryClient({
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
