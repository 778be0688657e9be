// Shared set-up for the browser tests: a real `civic serve --demo` on a free
// port with its own data directory, Debian's Chromium driven by
// playwright-core, and axe-core run inside each page.
//
// The server binary is $CIVIC_BIN, or target/debug/civic (scripts/test builds
// it before running these tests). Chromium is $CHROMIUM or /usr/bin/chromium.

import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..', '..');
const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** Where screenshots go: $CIVIC_SCREENSHOTS, or target/browser-screenshots. */
export const screenshotDir = process.env.CIVIC_SCREENSHOTS
  ? resolve(process.env.CIVIC_SCREENSHOTS)
  : join(repo, 'target', 'browser-screenshots');

/** The `civic` binary under test: $CIVIC_BIN, or target/debug/civic. */
export const civicBin = process.env.CIVIC_BIN ? resolve(process.env.CIVIC_BIN) : join(repo, 'target', 'debug', 'civic');

/**
 * Starts `civic serve --demo` in a fresh data directory and waits until it
 * listens. Resolves to { base, users, stop }, where users maps each role to
 * the { email, password } the demo printed.
 */
export async function startDemoServer() {
  const dataDir = mkdtempSync(join(tmpdir(), 'civic-browser-'));
  const child = spawn(civicBin, ['serve', '--demo', '--data-dir', dataDir, '--bind', '127.0.0.1:0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, RUST_LOG: process.env.RUST_LOG ?? 'warn' },
  });
  let out = '';
  let err = '';
  child.stderr.on('data', (d) => { err += d; });
  const base = await new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`civic serve --demo did not start in 180 s\n${out}\n${err}`)), 180_000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/listening on (http:\/\/[0-9.:]+)/);
      if (m) { clearTimeout(timer); ok(m[1]); }
    });
    child.on('exit', (code) => { clearTimeout(timer); fail(new Error(`civic serve exited with ${code}\n${out}\n${err}`)); });
    child.on('error', (e) => { clearTimeout(timer); fail(new Error(`could not run ${civicBin}: ${e.message}`)); });
  });
  const users = {};
  for (const m of out.matchAll(/^\s+(caseworker|reviewer|admin|auditor)\s+(\S+@\S+)\s+(\S+)\s*$/gm)) {
    users[m[1]] = { email: m[2], password: m[3] };
  }
  for (const role of ['caseworker', 'reviewer', 'admin', 'auditor']) {
    assert.ok(users[role], `the demo printed no sign-in for ${role}:\n${out}`);
  }
  const stop = async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((ok) => child.once('exit', ok));
    }
    rmSync(dataDir, { recursive: true, force: true });
  };
  return { base, users, stop, dataDir };
}

/** Launches Debian's Chromium headless, with the flags this project uses. */
export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

/** A new page in a fresh context (its own cookies), 1280 pixels wide. */
export async function newPage(browser) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  // Anything the Content-Security-Policy blocks on our own pages (an inline
  // script or style element, a resource from elsewhere) is a defect:
  // collected here, checked by assertAccessible.
  page.cspViolations = [];
  page.on('console', (m) => {
    if (m.type() === 'error' && m.text().includes('Content Security Policy')) {
      page.cspViolations.push(`${page.url()}: ${m.text()}`);
    }
  });
  return page;
}

/** Signs `page` in as the demo user with `role`, through the form. */
export async function signIn(page, server, role) {
  const user = server.users[role];
  await page.goto(`${server.base}/sign-in`);
  await page.getByLabel('Email address').fill(user.email);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForLoadState('load');
  assert.ok(!page.url().includes('/sign-in'), `signing in as ${role} failed: still on ${page.url()}`);
}

/**
 * Checks that the Content-Security-Policy has blocked nothing on the page so
 * far, then runs axe-core over it for WCAG 2.0, 2.1 and 2.2 A and AA rules
 * and fails, listing every violation with its elements, if there is any.
 */
export async function assertAccessible(page, what) {
  assert.deepEqual(page.cspViolations ?? [], [], `the Content-Security-Policy blocked something on ${what}`);
  // Evaluated through the DevTools protocol, which the page's policy (no
  // inline script) does not govern; an injected <script> tag would be blocked.
  await page.evaluate(axeSource);
  const result = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22a', 'wcag22aa'] },
    });
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => `${n.target.join(' ')}: ${n.failureSummary}`),
    }));
  });
  const text = result
    .map((v) => `- ${v.id} (${v.impact}): ${v.help}\n    ${v.nodes.join('\n    ')}`)
    .join('\n');
  assert.equal(result.length, 0, `axe-core found accessibility violations on ${what} (${page.url()}):\n${text}`);
}

/** Saves a full-page screenshot as NAME.png in the screenshot directory. */
export async function screenshot(page, name) {
  mkdirSync(screenshotDir, { recursive: true });
  await page.screenshot({ path: join(screenshotDir, `${name}.png`), fullPage: true });
}

/**
 * Registers, for the calling test file, a demo server and a browser started
 * before its tests and stopped after them. Returns an object whose `server`
 * and `browser` are set once they are up.
 */
export function withDemo() {
  const ctx = {};
  before(async () => {
    ctx.server = await startDemoServer();
    ctx.browser = await launchBrowser();
  });
  after(async () => {
    await ctx.browser?.close();
    await ctx.server?.stop();
  });
  return ctx;
}
