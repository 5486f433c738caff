// Custom workflows: YAML definitions in `.claude-flow/workflows/`, validated with exact positions,
// interpreted by the one generic `custom` workflow (workflows/dev/custom.ts).
export * from './load';
export * from './validate';
export { parseDuration, ID_PATTERN, NAME_PATTERN } from './schema';
export {
  parseExpr,
  parseTemplate,
  parseCondition,
  evalExpr,
  renderValue,
  ExprError,
  EXPR_ROOTS,
  type Expr,
} from '../../workflows/contract/custom-expr';
export type * from '../../workflows/contract/custom-types';
export { MAX_LOOP_ITERATIONS, MAX_CUSTOM_DEPTH, STEP_KINDS } from '../../workflows/contract/custom-types';
