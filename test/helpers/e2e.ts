// What the browser tests share: a screenshot of a view in .data/screenshots/ with an axe-core audit
// of it (no serious or critical WCAG 2.1 AA violation), and polling a condition (the pages' CSP
// forbids the string evaluation playwright's waitForFunction uses).
import path from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import type { Page } from 'playwright-core';

export const SHOTS = path.resolve(__dirname, '..', '..', '.data', 'screenshots');

/** Saves `<name>.png` and fails on a serious or critical accessibility violation. */
export async function look(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
  const audit = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21aa']).analyze();
  const bad = audit.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(bad.map((v) => `${name}: ${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`)).toEqual(
    [],
  );
}

/** Polls `check` until it holds, or fails after `timeoutMs` naming it. */
export async function until(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`not true within ${timeoutMs} ms: ${check.toString()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
