// Keyboard-only use: the skip link comes first, and a reviewer can sign in,
// open a queued item and accept it without touching the mouse.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newPage, withDemo } from './harness.js';

const ctx = withDemo();

/** What has the keyboard focus: its tag, id, name, text and href. */
async function focused(page) {
  return page.evaluate(() => {
    const e = document.activeElement;
    return {
      tag: e?.tagName.toLowerCase(),
      id: e?.id ?? '',
      name: e?.getAttribute('name') ?? '',
      text: (e?.textContent ?? '').trim(),
      href: e?.getAttribute('href') ?? '',
      value: e?.getAttribute('value') ?? '',
    };
  });
}

/** Presses Tab until `want(focused)` holds, at most `limit` times. */
async function tabTo(page, want, what, limit = 60) {
  for (let i = 0; i < limit; i += 1) {
    await page.keyboard.press('Tab');
    const f = await focused(page);
    if (want(f)) return f;
  }
  assert.fail(`pressing Tab ${limit} times never reached ${what} on ${page.url()}`);
}

test('the skip link is the first thing the keyboard reaches', async () => {
  const { server, browser } = ctx;
  const page = await newPage(browser);
  await page.goto(`${server.base}/sign-in`);
  await page.keyboard.press('Tab');
  const first = await focused(page);
  assert.equal(first.text, 'Skip to main content');
  await page.keyboard.press('Enter');
  assert.ok(page.url().endsWith('#main-content'), page.url());
  await page.context().close();
});

test('a reviewer signs in, opens a queued item and accepts it by keyboard alone', async () => {
  const { server, browser } = ctx;
  const page = await newPage(browser);
  const user = server.users.reviewer;
  await page.goto(`${server.base}/sign-in`);
  await tabTo(page, (f) => f.id === 'email', 'the email field');
  await page.keyboard.type(user.email);
  await page.keyboard.press('Tab');
  assert.equal((await focused(page)).id, 'password');
  await page.keyboard.type(user.password);
  await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
  assert.ok(!page.url().includes('/sign-in'), `still on ${page.url()}`);

  await page.goto(`${server.base}/queue`);
  const link = await tabTo(page, (f) => f.tag === 'a' && f.href.startsWith('/review/'), 'a queued item');
  await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
  assert.ok(page.url().endsWith(link.href), `${page.url()} is not ${link.href}`);

  // Choose "accept" with the arrow-free way: tab to the radio and press Space.
  await tabTo(page, (f) => f.tag === 'input' && f.name === 'outcome' && f.value === 'accept', 'the accept choice');
  await page.keyboard.press('Space');
  await tabTo(page, (f) => f.tag === 'button' && /record my decision/i.test(f.text), 'the submit button');
  await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
  await page.locator('.govuk-notification-banner, .govuk-panel').first().waitFor();
  const banner = await page.locator('.govuk-notification-banner, .govuk-panel').first().innerText();
  assert.match(banner, /is recorded in the ledger/);
  await page.context().close();
});
