// Idempotent posts: everything the GitHub activities post carries a hidden marker derived from the
// workflow id and the caller's step name, so a retried attempt finds what an earlier attempt posted
// (even one whose response was lost) and returns it instead of posting again.
import { Context } from '@temporalio/activity';

/** `<workflowId>/<step>`, each part URI-encoded so a marker can never close its HTML comment early. */
export function markerKey(step: string): string {
  const info = Context.current().info;
  const workflowId = info.workflowExecution?.workflowId ?? `activity-${info.activityId}`;
  return `${encodeURIComponent(workflowId)}/${encodeURIComponent(step)}`;
}

export function marker(key: string): string {
  return `<!-- claude-flow:${key} -->`;
}

/** The body with the marker on its own last line (invisible in GitHub's rendering). */
export function withMarker(body: string, key: string): string {
  return `${body.replace(/\s+$/, '')}\n\n${marker(key)}`;
}

export function hasMarker(body: string | null | undefined, key: string): boolean {
  return (body ?? '').includes(marker(key));
}
