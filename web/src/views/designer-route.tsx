// The Designer routes, loaded with their editor (CodeMirror), graph (xyflow), layout (dagre), YAML
// and zod only when opened: the first page stays small.
import { lazy, Suspense } from 'react';

const List = lazy(() => import('./Designer').then((m) => ({ default: m.DesignerList })));
const Edit = lazy(() => import('./Designer').then((m) => ({ default: m.DesignerEdit })));

export function DesignerListRoute() {
  return (
    <Suspense fallback={<p className="muted">Loading the designer…</p>}>
      <List />
    </Suspense>
  );
}

export function DesignerRoute({ name }: { name: string }) {
  return (
    <Suspense fallback={<p className="muted">Loading the designer…</p>}>
      <Edit name={name} />
    </Suspense>
  );
}
