// Durations, one grammar everywhere (API bodies, session settings, custom workflow steps, workflow
// timers): Temporal's own, the `ms` package — "90 seconds", "7 days", "15m", "1.5h", "500ms".
// A bare number in a string is not a duration here: the unit must be said.
import ms, { type StringValue } from 'ms';

/** Milliseconds of a duration such as "2 hours"; undefined when it is not a positive duration with a unit. */
export function parseDuration(text: unknown): number | undefined {
  if (typeof text !== 'string') return undefined;
  const t = text.trim();
  if (!/^\d+(\.\d+)?\s*[a-z]+$/i.test(t)) return undefined;
  const v = ms(t as StringValue);
  return Number.isFinite(v) && v > 0 ? v : undefined;
}

/** What the error for a bad duration says should be given instead. */
export const DURATION_HINT = 'a duration such as "90 seconds", "30m", "2 hours" or "7 days"';
