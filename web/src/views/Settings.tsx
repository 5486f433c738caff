// Settings: this browser's preferences (theme, rows per page, remembered filters). They live in
// localStorage only: the API never sees them, and another browser has its own.
import { useState } from 'react';
import { PAGE_SIZES, THEMES, forgetPrefs, usePageSize, usePref, useSystemDark, type Theme } from '../prefs';
import './admin.css';

const THEME_LABEL: Record<Theme, string> = {
  system: 'Same as the system',
  light: 'Light',
  dark: 'Dark',
};

export function Settings() {
  const [theme, setTheme] = usePref<Theme>('theme', 'system');
  const [pageSize, setPageSize] = usePageSize();
  const [forgot, setForgot] = useState(false);
  const systemDark = useSystemDark();
  return (
    <>
      <h1>Settings</h1>
      <section className="card prefs" aria-labelledby="prefs-title">
        <h2 id="prefs-title">Preferences</h2>
        <p className="muted">
          Kept in this browser only (its local storage): nothing here is sent to the server, and each browser has its
          own.
        </p>
        <fieldset>
          <legend>Theme</legend>
          {THEMES.map((t) => (
            <label key={t} className="choice">
              <input type="radio" name="theme" value={t} checked={theme === t} onChange={() => setTheme(t)} />
              {THEME_LABEL[t]}
              {t === 'system' ? <span className="muted"> ({systemDark ? 'dark' : 'light'} here)</span> : null}
            </label>
          ))}
        </fieldset>
        <label className="block">
          Rows per page in lists <span className="muted">(sessions, memory entries, the audit log)</span>
          <select value={pageSize} onChange={(e) => setPageSize(Number(e.target.value))}>
            {PAGE_SIZES.map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
        <div className="block">
          <span>Remembered filters</span>
          <p className="muted">
            Sessions and Memory open with the filters you used last. Forget them to open both unfiltered.
          </p>
          <div className="row">
            <button
              type="button"
              onClick={() => {
                forgetPrefs(['filters.sessions', 'filters.memory']);
                setForgot(true);
              }}
            >
              Forget remembered filters
            </button>
            {forgot ? (
              <span role="status" className="notice">
                Forgotten.
              </span>
            ) : null}
          </div>
        </div>
      </section>
    </>
  );
}
