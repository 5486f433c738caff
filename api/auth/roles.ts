// Roles, from least to most trusted. A role may do everything the roles before it may.

export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** True when `have` is at least `need`. */
export function allows(have: Role, need: Role): boolean {
  return ROLES.indexOf(have) >= ROLES.indexOf(need);
}

/** Who made a request: an API key, the bootstrap key, or local use with no key configured. */
export interface Principal {
  /** `key:<id>`, `bootstrap` or `local`; what the audit trail records. */
  actor: string;
  name: string;
  role: Role;
  /** Set for API keys (and logins made with one). */
  keyId?: string;
  /** Set for dashboard logins: the sha256 of the cookie, the login's row in auth_session. */
  loginId?: string;
  via: 'bearer' | 'cookie' | 'query' | 'local';
}
