// Names in memory: path-like namespaces and keys. The one definition both configuration and the
// store validate against.

/** One namespace segment: starts with a letter or digit; letters, digits, `.`, `_`, `:`, `-` after. */
const SEGMENT = '[A-Za-z0-9][A-Za-z0-9._:-]*';
/** A namespace: one or more segments, each followed by `/` (`code/`, `sessions/abc/`). */
export const NAMESPACE_PATTERN = new RegExp(`^(${SEGMENT}/)+$`);
export const MAX_NAMESPACE_LENGTH = 256;
export const MAX_KEY_LENGTH = 512;
export const MAX_TAGS = 32;
export const MAX_TAG_LENGTH = 64;
/** The namespaces the rest of Claude Flow writes to. */
export const DEFAULT_NAMESPACES = ['sessions/', 'workflows/', 'code/', 'decisions/', 'performance/', 'errors/'];

/** Why `namespace` is not a valid namespace, or undefined when it is. */
export function namespaceProblem(namespace: unknown): string | undefined {
  if (typeof namespace !== 'string' || namespace === '') return 'namespace is required, e.g. "code/"';
  if (namespace.length > MAX_NAMESPACE_LENGTH) {
    return `namespace is ${namespace.length} characters; at most ${MAX_NAMESPACE_LENGTH} are allowed`;
  }
  if (!namespace.endsWith('/')) return `namespace "${namespace}" must end with "/", e.g. "${namespace}/"`;
  if (!NAMESPACE_PATTERN.test(namespace)) {
    return `namespace "${namespace}" is not path-like: segments of letters, digits, ".", "_", ":" or "-", each starting with a letter or digit and ending with "/" (e.g. "sessions/abc/")`;
  }
  return undefined;
}

/** Why `key` is not a valid key, or undefined when it is. */
export function keyProblem(key: unknown): string | undefined {
  if (typeof key !== 'string' || key === '') return 'key is empty; give a non-empty key';
  if (key.length > MAX_KEY_LENGTH) return `key is ${key.length} characters; at most ${MAX_KEY_LENGTH} are allowed`;
  // eslint-disable-next-line no-control-regex -- control characters are what this rejects
  if (/[\u0000-\u001f\u007f]/.test(key)) return 'key contains control characters; use printable characters';
  return undefined;
}

/** Why `tags` are not valid, or undefined when they are. */
export function tagsProblem(tags: readonly string[]): string | undefined {
  if (tags.length > MAX_TAGS) return `${tags.length} tags given; at most ${MAX_TAGS} are allowed`;
  const bad = tags.find((t) => t === '' || t.length > MAX_TAG_LENGTH);
  if (bad !== undefined) return `tag "${bad.slice(0, 80)}" must be 1-${MAX_TAG_LENGTH} characters`;
  return undefined;
}

/** True when `namespace` is `prefix` or lies under it. */
export function isUnder(namespace: string, prefix: string): boolean {
  return namespace.startsWith(prefix);
}
