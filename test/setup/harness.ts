// What the global setup hands to test files, through environment variables (jest workers inherit them).
export interface Harness {
  temporalAddress: string;
  temporalCli: string;
  testServer: string;
  pgAdminUrl: string;
  templateDatabase: string;
  bundlePath: string;
  tmpDir: string;
  /** The security audit's analysers by command (gitleaks, semgrep): where each is, or why there is none. */
  analysers: Record<string, { path: string } | { unavailable: string }>;
  /** The OpenTelemetry Collector built from ops/otelcol (stack/otelcol.ts), or why there is none. */
  otelcol: { path: string } | { unavailable: string };
}

const KEY = 'CLAUDE_FLOW_TEST_HARNESS';

export function publishHarness(h: Harness): void {
  process.env[KEY] = JSON.stringify(h);
}

export function harness(): Harness {
  const raw = process.env[KEY];
  if (!raw)
    throw new Error(
      'The test harness is not running: run tests with `npm test` (jest uses test/setup/global-setup.ts)',
    );
  return JSON.parse(raw) as Harness;
}
