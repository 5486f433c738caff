// A real browser for end-to-end tests: Debian's chromium, driven by playwright-core (which never
// downloads a browser). When chromium is missing it is installed with apt-get if we run as root
// (as global-setup installs the Temporal CLI when it is missing); otherwise the test fails saying
// how to install it.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

const DEFAULT_PATH = '/usr/bin/chromium';

/** The chromium binary: CHROMIUM_PATH, or Debian's, installed first when missing and allowed. */
export function chromiumPath(): string {
  const given = process.env.CHROMIUM_PATH;
  if (given) {
    if (!fs.existsSync(given)) throw new Error(`CHROMIUM_PATH=${given} does not exist`);
    return given;
  }
  if (fs.existsSync(DEFAULT_PATH)) return DEFAULT_PATH;
  if (process.platform !== 'linux' || process.getuid?.() !== 0 || !fs.existsSync('/usr/bin/apt-get')) {
    throw new Error(
      `The dashboard's browser tests need chromium at ${DEFAULT_PATH}: install it with \`sudo apt-get install -y chromium\` ` +
        '(Debian/Ubuntu), or point CHROMIUM_PATH at a Chromium or Chrome binary.',
    );
  }
  const install = () =>
    execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], {
      stdio: 'pipe',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      timeout: 15 * 60_000,
    });
  try {
    install();
  } catch {
    // A fresh machine has no package lists yet.
    execFileSync('apt-get', ['update'], { stdio: 'pipe', timeout: 5 * 60_000 });
    install();
  }
  if (!fs.existsSync(DEFAULT_PATH)) throw new Error(`apt-get install chromium did not leave ${DEFAULT_PATH}`);
  return DEFAULT_PATH;
}

/**
 * Chromium, headless, with nothing that reaches the network by itself. Each launch gets a fresh
 * profile: playwright-core makes a new temporary --user-data-dir and removes it on close.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
