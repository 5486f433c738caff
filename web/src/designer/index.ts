// The designer's document core: the YAML text read as a graph (model), visual edits as minimal text
// changes (edits), automatic layout (layout). Pure TypeScript, no DOM: the UI sits on top. The step
// forms (forms.ts) bring zod along, so the UI imports them from its lazily loaded chunk.
export * from './model';
export * from './edits';
export * from './layout';
