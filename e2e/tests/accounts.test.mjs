// Issue 10: administration in the browser. The administrator lands on the
// accounts, adds one (a refusal beside its field, the input kept), and
// disables it, with a message after each action; on a phone too.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, launch, login } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser.close(); });

for (const [label, viewport] of [['desktop', { width: 1280, height: 900 }], ['phone', { width: 390, height: 844 }]]) {
  test(`an administrator adds and disables an account (${label})`, async () => {
    const { context, page } = await login(browser, 'demo-admin', { viewport });
    try {
      assert.equal(new URL(page.url()).pathname, '/admin/users');
      assert.ok((await page.locator('#accounts tbody tr').count()) >= 9);
      const username = `e2e-${label}-${Date.now().toString(36)}`;
      await page.click('#add-account summary');
      await page.fill('#account-full_name', `Synthetic ${label} worker`);
      await page.fill('#account-username', username);
      await page.selectOption('#account-org', { label: 'Organisation B — Harbour Light Shelter (NGO)' });
      await page.selectOption('#account-role', 'service_provider');
      await page.fill('#account-password', 'a-synthetic-passphrase');
      await page.fill('#account-repeat_password', 'another-synthetic-phrase');
      await Promise.all([page.waitForLoadState('load'), page.click('#create-account')]);
      assert.match(await page.textContent('#account-repeat_password-error'), /not the same/);
      assert.equal(await page.inputValue('#account-username'), username, 'input kept');
      assert.equal(await page.inputValue('#account-password'), '', 'passwords are not sent back');
      await page.fill('#account-password', 'a-synthetic-passphrase');
      await page.fill('#account-repeat_password', 'a-synthetic-passphrase');
      await Promise.all([page.waitForLoadState('load'), page.click('#create-account')]);
      assert.match(await page.textContent('#message'), /The account was added/);
      assert.match(await page.textContent('#account-facts'), /Harbour Light Shelter/);
      await Promise.all([page.waitForLoadState('load'), page.click('#disable-account')]);
      assert.match(await page.textContent('#message'), /was disabled/);
      assert.match(await page.textContent('#account-access-now'), /Disabled/);
      await page.click('#back-to-accounts');
      await page.waitForURL(/\/admin\/users$/);
      assert.match(await page.locator('#accounts tr', { hasText: username }).textContent(), /Disabled/);
    } finally {
      await context.close();
    }
  });
}
