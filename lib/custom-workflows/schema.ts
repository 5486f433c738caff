// The schema of custom workflow definitions lives in the contract (workflows/contract/custom-schema.ts),
// shared with the dashboard's designer, which builds its step forms from it: one definition.
export * from '../../workflows/contract/custom-schema';
