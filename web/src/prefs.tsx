// UI preferences, kept in this browser's localStorage and nowhere else (nothing here is sent to the
// API): the theme, the page size of lists, and the last filters of the Sessions and Memory views.
// A preference changed in one tab reaches the others through the `storage` event.
import { useEffect, useRef, useSyncExternalStore } from 'react';
import { useLocation, useSearch } from 'wouter';

const PREFIX = 'claude-flow.';

export type Theme = 'system' | 'light' | 'dark';
export const THEMES: Theme[] = ['system', 'light', 'dark'];
export const PAGE_SIZES = [10, 25, 50, 100] as const;

/** What each preference may hold: anything else in storage (an old or hand-edited value) reads as the default. */
const VALID: Record<string, (v: unknown) => boolean> = {
  theme: (v) => THEMES.includes(v as Theme),
  pageSize: (v) => PAGE_SIZES.includes(v as (typeof PAGE_SIZES)[number]),
};

const watchers = new Set<() => void>();
const notify = () => {
  for (const w of watchers) w();
};
window.addEventListener('storage', (e) => {
  if (e.key === null || e.key.startsWith(PREFIX)) notify();
});

function raw(key: string): string | null {
  try {
    return localStorage.getItem(PREFIX + key);
  } catch {
    return null; // storage disabled: every preference is its default
  }
}

export function readPref<T>(key: string, fallback: T): T {
  const text = raw(key);
  if (text === null) return fallback;
  try {
    const v = JSON.parse(text) as unknown;
    const ok = VALID[key] ? VALID[key](v) : typeof v === typeof fallback;
    return ok ? (v as T) : fallback;
  } catch {
    return fallback;
  }
}

export function writePref<T>(key: string, value: T): void {
  try {
    localStorage.setItem(PREFIX + key, JSON.stringify(value));
  } catch {
    // Storage full or disabled: the preference lasts until the page is closed.
  }
  if (key === 'theme') applyTheme(value as Theme);
  notify();
}

export function forgetPrefs(keys: string[]): void {
  for (const k of keys)
    try {
      localStorage.removeItem(PREFIX + k);
    } catch {
      // nothing kept
    }
  notify();
}

/** A preference and its setter; every component using it re-renders when it changes (in any tab). */
export function usePref<T>(key: string, fallback: T): [T, (v: T) => void] {
  const text = useSyncExternalStore(
    (fn) => {
      watchers.add(fn);
      return () => watchers.delete(fn);
    },
    () => raw(key),
  );
  const value = text === null ? fallback : readPref(key, fallback);
  return [value, (v: T) => writePref(key, v)];
}

let chosen: Theme = 'system';

/**
 * `data-theme` on <html>, light or dark, the one switch style.css reads: the chosen theme, or the
 * system's (prefers-color-scheme, followed as it changes) when it is "system".
 */
export function applyTheme(theme: Theme): void {
  chosen = theme;
  const dark = theme === 'system' ? darkQuery().matches : theme === 'dark';
  document.documentElement.dataset.theme = dark ? 'dark' : 'light';
}

window.addEventListener('storage', (e) => {
  if (e.key === PREFIX + 'theme') applyTheme(readPref<Theme>('theme', 'system'));
});

function darkQuery() {
  return matchMedia('(prefers-color-scheme: dark)');
}
darkQuery().addEventListener('change', () => {
  if (chosen === 'system') applyTheme('system');
});

/** Whether the system asks for dark (prefers-color-scheme), following its changes. */
export function useSystemDark(): boolean {
  return useSyncExternalStore(
    (fn) => {
      const m = darkQuery();
      m.addEventListener('change', fn);
      return () => m.removeEventListener('change', fn);
    },
    () => darkQuery().matches,
  );
}

/**
 * Whether the page is drawn dark: the chosen theme, or the system's when it is "system". For code
 * that picks colours itself (a canvas chart) instead of reading the CSS variables.
 */
export function useDarkTheme(): boolean {
  const [theme] = usePref<Theme>('theme', 'system');
  const system = useSystemDark();
  return theme === 'system' ? system : theme === 'dark';
}

export const usePageSize = () => usePref<number>('pageSize', 25);

/** A "Rows per page" picker for a list's pager: the same preference as in Settings. */
export function PageSize() {
  const [size, setSize] = usePageSize();
  return (
    <label className="page-size">
      Rows per page
      <select value={size} onChange={(e) => setSize(Number(e.target.value))}>
        {PAGE_SIZES.map((n) => (
          <option key={n} value={n}>
            {n}
          </option>
        ))}
      </select>
    </label>
  );
}

/**
 * The filters of a view (its URL query, the parameters in `keys`) remembered as they change, and
 * put back when the view is opened again without any: a user who comes back finds the list as left.
 */
export function useLastFilters(view: 'sessions' | 'memory', path: string, keys: string[]): void {
  const search = useSearch();
  const [, navigate] = useLocation();
  const first = useRef(true);
  useEffect(() => {
    const params = new URLSearchParams(search);
    const kept = new URLSearchParams();
    for (const k of keys) {
      const v = params.get(k);
      if (v) kept.set(k, v);
    }
    const saved = readPref<string>(`filters.${view}`, '');
    if (first.current) {
      first.current = false;
      if (!search && saved) {
        navigate(`${path}?${saved}`, { replace: true });
        return;
      }
    }
    if (kept.toString() !== saved) writePref(`filters.${view}`, kept.toString());
  }, [search, view, path, navigate, keys]);
}
