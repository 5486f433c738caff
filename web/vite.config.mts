// The dashboard's build: a static single-page app in web/dist/, served by the API (api/dashboard.ts).
// JSX goes through Vite's own transform (oxc, automatic runtime); no dev-only plugins are needed
// for a production build.
import { defineConfig } from 'vite';

export default defineConfig({
  base: '/',
  publicDir: false,
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // No inline scripts or data: URLs for modules: the API's CSP allows only files from its own origin.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    sourcemap: false,
    reportCompressedSize: false,
    // .vite/manifest.json: which files each lazy view needs, so the API can preload them (api/routes/dashboard.ts).
    manifest: true,
    rolldownOptions: {
      // Libraries marked "use client" for server components: meaningless in a plain SPA.
      onwarn(warning, warn) {
        if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning);
      },
    },
  },
  logLevel: 'warn',
});
