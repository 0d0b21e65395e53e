// A real browser for tests: Debian's `chromium` (scripts/test-browser.sh installs it) driven by
// playwright-core, never a browser that Playwright downloads. Without /usr/bin/chromium (or
// $ASSAY_TEST_CHROMIUM) a test that needs it is skipped, and the run ends with one line per
// skipped test saying how to run it.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { BrowserContext } from "playwright-core";

export const CHROMIUM = process.env.ASSAY_TEST_CHROMIUM ?? "/usr/bin/chromium";

/** What the project's browser tests start Chromium with: headless, offline, nothing of its own running. */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

const skipped: string[] = [];

process.once("exit", () => {
  if (skipped.length === 0) return;
  process.stderr.write(
    `\nSkipped tests that need Chromium (${CHROMIUM} not found; ` +
      "install it with: bash scripts/test-browser.sh):\n" +
      skipped.map((s) => `  - ${s}\n`).join(""),
  );
});

/** Skips the current test, or from a `before` hook its whole suite, when Chromium is not installed. */
export function requireChromium(ctx: Mocha.Context): void {
  if (existsSync(CHROMIUM)) return;
  const runnable = ctx.test;
  const suite = runnable?.parent;
  skipped.push(
    (runnable as { type?: string } | undefined)?.type === "hook" && suite
      ? `${suite.fullTitle()}: its ${suite.total()} test(s)`
      : (ctx.currentTest?.fullTitle() ?? runnable?.fullTitle() ?? "?"),
  );
  ctx.skip();
}

export interface TestBrowser {
  context: BrowserContext;
  /** Urls the pages asked for that were not on `allowedOrigin` (each was refused). */
  foreign: string[];
  close(): Promise<void>;
}

/** Chromium with a fresh profile; requests outside `allowedOrigin` are refused and recorded. */
export async function launchChromium(allowedOrigin: string): Promise<TestBrowser> {
  const { chromium } = await import("playwright-core");
  const profile = mkdtempSync(path.join(os.tmpdir(), "assay-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 900 },
  });
  const foreign: string[] = [];
  await context.route("**/*", (route) => {
    const url = route.request().url();
    if (url.startsWith(allowedOrigin)) return route.continue();
    foreign.push(url);
    return route.abort();
  });
  return {
    context,
    foreign,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
