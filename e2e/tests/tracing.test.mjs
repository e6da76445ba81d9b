// Family tracing in the browser: a request matched to a consenting person
// reaches the case manager and, after consent, the requester; one matched to
// a person who withholds consent shows the requester nothing (the same as
// "not found"). The demo seeds Malee Thongkham (org B, agrees) and Napa
// Boonruang (org C, will decline), both with a tracing consent: synthetic people.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, launch, login } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/** Records a request from org A's case manager; returns its page URL and reference. */
async function fileRequest(page, name, year) {
  await page.goto(`${BASE}/tracing/new`);
  await page.fill('#name_value', name);
  await page.selectOption('#sex', 'female');
  await page.selectOption('#birth_kind', 'year');
  await page.fill('#birth_value', String(year));
  await page.fill('#requester_name', 'Synthetic Sister Ratana');
  await page.selectOption('#relationship', 'sibling');
  await page.fill('#phone', '+66 2 000 0000');
  await Promise.all([page.waitForURL(/\/tracing\/requests\//), page.click('#save-tracing')]);
  const heading = await page.textContent('h1');
  const reference = heading.match(/TR-[0-9A-F]{8}/)[0];
  return { url: page.url(), reference };
}

async function answer(page, reference, value) {
  await page.goto(`${BASE}/tracing`);
  const item = page.locator('li.tracing-match', { hasText: reference });
  await item.waitFor();
  await item.locator(`input[name="answer"][value="${value}"]`).check();
  await Promise.all([page.waitForURL(`${BASE}/tracing`), item.locator('button[type="submit"]').click()]);
}

test('a request matched to a consenting person reaches the case manager, then the requester sees found and the contact route', async () => {
  const a = await login(browser, 'demo-cm-a');
  const b = await login(browser, 'demo-cm-b');
  try {
    const { url, reference } = await fileRequest(a.page, 'Malee Thongkham', 1994);
    assert.equal(await a.page.locator('#tracing-open').count(), 1);
    // The requester's own tracing page lists no match.
    await a.page.goto(`${BASE}/tracing`);
    assert.equal(await a.page.locator('li.tracing-match', { hasText: reference }).count(), 0);

    // The sought person's case manager sees the match and records consent.
    await b.page.goto(`${BASE}/tracing`);
    const item = b.page.locator('li.tracing-match', { hasText: reference });
    assert.equal(await item.count(), 1);
    assert.equal(await item.getAttribute('data-state'), 'pending');
    await answer(b.page, reference, 'consents');
    assert.equal(await b.page.locator('li.tracing-match', { hasText: reference }).getAttribute('data-state'), 'consented');

    // Now the requester sees "found" and whom to contact (a staff member).
    await a.page.goto(url);
    assert.equal(await a.page.locator('#tracing-found').count(), 1);
    const route = await a.page.textContent('#contact-route');
    assert.match(route, /Organisation B/);
    assert.match(route, /Demo Case Manager \(org B\)/);
    // The contact is logged.
    await a.page.selectOption('#method', 'phone');
    await a.page.fill('#note', 'First call arranged.');
    await Promise.all([a.page.waitForLoadState('load'), a.page.click('#log-contact')]);
    assert.ok(await a.page.locator('li.contact-entry').count() >= 1);
  } finally {
    await a.context.close();
    await b.context.close();
  }
});

test('a request matched to a person who withholds consent shows the requester nothing: the same as not found', async () => {
  const a = await login(browser, 'demo-cm-a');
  const c = await login(browser, 'demo-cm-c');
  try {
    const matched = await fileRequest(a.page, 'Napa Boonruang', 1998);
    const nobody = await fileRequest(a.page, 'Wandee Kaewmanee', 1971);

    await c.page.goto(`${BASE}/tracing`);
    assert.equal(await c.page.locator('li.tracing-match', { hasText: matched.reference }).count(), 1);
    const status = async (url) => {
      await a.page.goto(url);
      return a.page.innerHTML('#tracing-status');
    };
    const pending = await status(matched.url);
    await answer(c.page, matched.reference, 'declines');
    const declined = await status(matched.url);
    const notFound = await status(nobody.url);
    assert.equal(declined, pending);
    assert.equal(declined, notFound);
    assert.equal(await a.page.locator('#tracing-found').count(), 0);
    // No contact route, no log form, nothing about org C.
    await a.page.goto(matched.url);
    const html = await a.page.content();
    assert.doesNotMatch(html, /Organisation C|contact-route|log-contact/);
  } finally {
    await a.context.close();
    await c.context.close();
  }
});
