// Every page of the web UI, as each role that may see it, passes axe-core's
// WCAG 2.2 A and AA rules in Chromium; the main pages are also saved as
// screenshots (`CIVIC_SCREENSHOTS=docs/screenshots ./scripts/test` refreshes
// the ones in the docs).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertAccessible, newPage, screenshot, signIn, withDemo } from './harness.js';

const ctx = withDemo();

test('the sign-in page, and its error summary', async () => {
  const { server, browser } = ctx;
  const page = await newPage(browser);
  await page.goto(`${server.base}/sign-in`);
  await assertAccessible(page, 'the sign-in page');
  await screenshot(page, 'sign-in');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForLoadState('load');
  await assert.doesNotReject(page.locator('.govuk-error-summary').waitFor());
  await assertAccessible(page, 'the sign-in page with errors');
  await page.context().close();
});

test('a reviewer: overview, queue, a review item', async () => {
  const { server, browser } = ctx;
  const page = await newPage(browser);
  await signIn(page, server, 'reviewer');
  await page.goto(`${server.base}/`);
  await assertAccessible(page, 'the overview');
  await screenshot(page, 'overview');

  await page.goto(`${server.base}/queue`);
  await assertAccessible(page, 'the review queue');
  await screenshot(page, 'queue');

  const first = page.locator('main a[href^="/review/"]').first();
  const href = await first.getAttribute('href');
  assert.ok(href, 'the demo queue has an item to open');
  await page.goto(`${server.base}${href}`);
  await assertAccessible(page, 'a review item');
  await screenshot(page, 'review-item');

  // The form's error summary, after submitting nothing.
  await page.locator('main form[action^="/review/"] button[type=submit]').click();
  await page.waitForLoadState('load');
  await page.locator('.govuk-error-summary').waitFor();
  await assertAccessible(page, 'a review item with errors');
  await page.context().close();
});

test('the forbidden and not-found pages', async () => {
  const { server, browser } = ctx;
  const page = await newPage(browser);
  await signIn(page, server, 'caseworker');
  const forbidden = await page.goto(`${server.base}/queue`);
  assert.equal(forbidden.status(), 403);
  await assertAccessible(page, 'the 403 page');
  const missing = await page.goto(`${server.base}/no-such-page`);
  assert.equal(missing.status(), 404);
  await assertAccessible(page, 'the 404 page');
  await page.context().close();
});

test('an admin: the models, a triage model and a risk model with its fairness table', async () => {
  const { server, browser } = ctx;
  const page = await newPage(browser);
  await signIn(page, server, 'admin');
  await page.goto(`${server.base}/models`);
  await assertAccessible(page, 'the models page');
  await screenshot(page, 'models');
  const links = await page.locator('main a[href^="/models/"]').evaluateAll(
    (as) => [...new Set(as.map((a) => a.getAttribute('href')))],
  );
  assert.ok(links.length >= 2, `the demo has a triage and a risk model: ${links}`);
  for (const href of links) {
    await page.goto(`${server.base}${href}`);
    await assertAccessible(page, `the model page ${href}`);
    const name = href.split('/').pop().split('?')[0];
    await screenshot(page, `model-${name}`);
  }
  await page.context().close();
});

test('pages a role may not open are 403 pages, and still accessible', async () => {
  const { server, browser } = ctx;
  const page = await newPage(browser);
  await signIn(page, server, 'caseworker');
  for (const path of ['/audit', '/audit/export/decisions.csv']) {
    const res = await page.goto(`${server.base}${path}`);
    assert.equal(res.status(), 403, path);
    await assertAccessible(page, `the 403 page for ${path}`);
  }
  await page.context().close();
});
