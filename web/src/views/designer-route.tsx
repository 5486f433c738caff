// The Designer routes, loaded with their editor (CodeMirror), graph (xyflow), YAML
// and zod only when opened: the first page stays small. A definition's text is asked for as the
// route starts, while its code is still loading, not after.
import { useQueryClient } from '@tanstack/react-query';
import { lazy, Suspense, useEffect } from 'react';
import { api } from '../api';

const load = () => import('./Designer');
// Opened at a designer address: its code starts loading with the page, before the sign-in check.
if (typeof location !== 'undefined' && location.pathname.startsWith('/designer')) void load();
const List = lazy(() => load().then((m) => ({ default: m.DesignerList })));
const Edit = lazy(() => load().then((m) => ({ default: m.DesignerEdit })));

// Opened at a definition's address: its text is asked for with the page too, before the sign-in
// check has answered. The first read of that definition takes the answer if it succeeded (else, e.g.
// not signed in yet, it asks again).
const opened = typeof location !== 'undefined' ? /^\/designer\/([^/]+)$/.exec(location.pathname) : null;
let early: { name: string; answer: Promise<unknown> } | undefined = opened
  ? {
      name: decodeURIComponent(opened[1]),
      answer: api<unknown>(`/workflows/definitions/${opened[1]}`).catch(() => undefined),
    }
  : undefined;

/** GET /workflows/definitions/{name}: the query the designer reads a definition with. */
export const definitionQuery = <T,>(name: string) => ({
  queryKey: ['definition', name],
  queryFn: async () => {
    const first = early?.name === name ? await early.answer : undefined;
    early = undefined;
    return (first as T | undefined) ?? api<T>(`/workflows/definitions/${encodeURIComponent(name)}`);
  },
  refetchOnWindowFocus: false,
  staleTime: Infinity,
});

export function DesignerListRoute() {
  return (
    <Suspense fallback={<p className="muted">Loading the designer…</p>}>
      <List />
    </Suspense>
  );
}

export function DesignerRoute({ name }: { name: string }) {
  const client = useQueryClient();
  useEffect(() => void client.prefetchQuery(definitionQuery(name)), [client, name]);
  return (
    <Suspense fallback={<p className="muted">Loading the designer…</p>}>
      <Edit name={name} />
    </Suspense>
  );
}
