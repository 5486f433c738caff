// The Analytics route, loaded with its chart library (uPlot) only when opened: the first page
// stays small.
import { lazy, Suspense } from 'react';

const Analytics = lazy(() => import('./Analytics'));

export function AnalyticsRoute() {
  return (
    <Suspense fallback={<p className="muted">Loading the charts…</p>}>
      <Analytics />
    </Suspense>
  );
}
