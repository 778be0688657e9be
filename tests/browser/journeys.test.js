// The end-to-end journeys of the web interface, in Chromium:
// - a caseworker routes a message and overrides the routing with a reason;
//   an auditor then sees the decision and the review event in the ledger,
//   with an inclusion proof the server checked, and the downloaded proof
//   bundle also checks offline with `civic audit check-proof`;
// - a caseworker redacts a Word document (keeping one suggestion, adding a
//   missed value) and downloads it: none of the redacted text is left
//   anywhere in the package.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertAccessible, civicBin, newPage, screenshot, signIn, withDemo } from './harness.js';
import { docx, unzip } from './docx.js';

const ctx = withDemo();

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;

test('a caseworker overrides a routing; an auditor sees both events with a valid proof', async () => {
  const { server, browser } = ctx;
  const page = await newPage(browser);
  await signIn(page, server, 'caseworker');
  await page.goto(`${server.base}/triage`);
  await assertAccessible(page, 'the triage form');
  await screenshot(page, 'triage');
  await page.getByLabel('The message').fill(
    'There is a huge pothole in the road outside the primary school on Mill Lane. '
    + 'A cyclist nearly came off this morning.',
  );
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Route the message' }).click()]);
  await page.locator('h1', { hasText: 'Suggested routing' }).waitFor();
  const id = (await page.locator('main').innerText()).match(UUID)?.[0];
  assert.ok(id, `no decision id on the result page ${page.url()}`);
  await assertAccessible(page, 'the triage result');
  await screenshot(page, 'triage-result');

  // Override: another team, a reason from the list and a few words.
  const form = page.locator('form#review-form');
  await form.getByLabel('Override it').check();
  const teams = await form.locator('select#team option').evaluateAll(
    (options) => options.map((o) => o.value).filter((v) => v !== ''),
  );
  const suggested = (await page.locator('main').innerText()).toLowerCase();
  const other = teams.find((t) => !suggested.includes(`suggested team\t${t}`)) ?? teams[0];
  await form.locator('select#team').selectOption(other);
  const reasons = await form.locator('select#reason option').evaluateAll(
    (options) => options.map((o) => o.value).filter((v) => v !== ''),
  );
  await form.locator('select#reason').selectOption(reasons[0]);
  await form.getByLabel(/Say more/).fill('The pothole is on the school grounds, not the highway.');
  await Promise.all([page.waitForNavigation(), form.getByRole('button', { name: 'Record my decision' }).click()]);
  await assertAccessible(page, 'the triage result after the override');
  assert.match(await page.locator('main').innerText(), /recorded/i);
  await page.context().close();

  // The auditor finds the decision and both of its ledger entries.
  const audit = await newPage(browser);
  await signIn(audit, server, 'auditor');
  await audit.goto(`${server.base}/audit`);
  await assertAccessible(audit, 'the audit page');
  await screenshot(audit, 'audit');
  await audit.getByLabel('Decision id').fill(id);
  await Promise.all([audit.waitForNavigation(), audit.getByRole('button', { name: 'Show its ledger entries' }).click()]);
  assert.ok(audit.url().includes(`/audit/decisions/${id}`), audit.url());
  // A checkpoint covering the review may still be on its way: look again
  // until the proof is valid (the server signs at least every few seconds).
  for (let i = 0; i < 30; i += 1) {
    if ((await audit.locator('#proof-status').innerText()).includes('Valid')) break;
    await new Promise((ok) => setTimeout(ok, 1000));
    await audit.reload();
  }
  assert.equal((await audit.locator('#proof-status').innerText()).trim(), 'Valid');
  const entries = await audit.locator('table#entries tbody tr').count();
  assert.equal(entries, 2, 'the decision and its review are both in the ledger');
  const reviews = await audit.locator('table#reviews tbody tr').innerText();
  assert.match(reviews, /override/i);
  assert.match(reviews, new RegExp(reasons[0].replace(/[-_]/g, '.'), 'i'));
  await assertAccessible(audit, 'a decision on the audit page');
  await screenshot(audit, 'audit-decision');

  // The proof bundle checks offline, against the ledger's public key.
  const [download] = await Promise.all([audit.waitForEvent('download'), audit.locator('#proof-download').click()]);
  const dir = mkdtempSync(join(tmpdir(), 'civic-proof-'));
  const bundle = join(dir, 'proof.json');
  await download.saveAs(bundle);
  assert.equal(JSON.parse(readFileSync(bundle, 'utf8')).index !== undefined, true);
  const checked = execFileSync(civicBin, ['audit', 'check-proof', bundle, '--public-key', join(server.dataDir, 'ledger.pub')], {
    encoding: 'utf8',
  });
  assert.match(checked, /^OK: entry \d+ is included in the ledger /m);
  assert.ok(!checked.includes('key inside the bundle'), `checked against the bundle's own key:\n${checked}`);
  await audit.context().close();
});

test('a caseworker redacts a Word document, adds a missed value and downloads it', async () => {
  const { server, browser } = ctx;
  const page = await newPage(browser);
  await signIn(page, server, 'caseworker');
  await page.goto(`${server.base}/redact`);
  await assertAccessible(page, 'the redaction upload form');
  await screenshot(page, 'redact-upload');

  const dir = mkdtempSync(join(tmpdir(), 'civic-docx-'));
  const input = join(dir, 'letter.docx');
  writeFileSync(input, docx([
    'Dear Mr John Smith,',
    ['Your National Insurance number ', 'AB 12 34 56 C', ' is on file.'],
    'You can reach us on 020 7946 0000 or at john.smith@example.com.',
    'Your case reference is Bluebell-Orchard.',
  ]));
  await page.locator('input#file').setInputFiles(input);
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Find personal data' }).click()]);
  await page.locator('h1', { hasText: 'Review the redactions' }).waitFor();
  await assertAccessible(page, 'the redaction review page');
  await screenshot(page, 'redact-review');

  // Add a value Civic cannot know is personal: the case's code word.
  await page.getByLabel('Text to redact').fill('Bluebell-Orchard');
  const labels = await page.locator('select#find-label option').evaluateAll(
    (options) => options.map((o) => o.value).filter((v) => v !== ''),
  );
  assert.ok(labels.length > 0, 'the label list is empty');
  await page.locator('select#find-label').selectOption(labels.includes('PERSON') ? 'PERSON' : labels[0]);
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Add' }).click()]);
  assert.match(await page.locator('main').innerText(), /Bluebell-Orchard/);

  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Redact and continue' }).click()]);
  await page.locator('#download-file').waitFor();
  await assertAccessible(page, 'the redaction done page');
  await screenshot(page, 'redact-done');
  const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#download-file').click()]);
  const output = join(dir, 'redacted.docx');
  await download.saveAs(output);
  const parts = await unzip(readFileSync(output));
  assert.ok(parts.has('word/document.xml'), 'the download is a Word document');
  const everything = [...parts.values()].map((b) => b.toString('utf8')).join('\n');
  for (const gone of ['John Smith', 'AB 12 34 56 C', '020 7946 0000', 'john.smith@example.com', 'Bluebell-Orchard']) {
    assert.ok(!everything.includes(gone), `"${gone}" is still in the redacted document`);
  }
  assert.ok(everything.includes('Dear'), 'the text around the redactions is kept');

  const [log] = await Promise.all([page.waitForEvent('download'), page.locator('#download-log').click()]);
  const logPath = join(dir, 'log.json');
  await log.saveAs(logPath);
  const logText = readFileSync(logPath, 'utf8');
  assert.doesNotThrow(() => JSON.parse(logText), 'the log is JSON');
  await page.context().close();
});
