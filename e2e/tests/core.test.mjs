// Issue "SafePath core": sign in, create a case, find it by name, open it,
// sign out; a user of another organisation cannot find or open it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, launch, login, search, syntheticName, openMenu } from './helpers.mjs';

test('a case manager creates, finds and opens a case; another organisation cannot', async () => {
  const browser = await launch();
  try {
    const name = syntheticName('Ratchanee');
    const { context, page } = await login(browser, 'demo-cm-a');

    await page.click('text=New case');
    await page.getByLabel('Name', { exact: true }).fill(name);
    await page.getByLabel('Transliterations').fill('ราชนี');
    await page.selectOption('#sex', 'female');
    await page.selectOption('#birth_kind', 'exact');
    await page.fill('#birth_value', '12/04/1998'); // day first, as written in the region
    await page.fill('#nationalities', 'THA');
    await page.check('input[name=forms][value=forced_labour]');
    await page.click('#save');
    await page.waitForURL(/\/cases\/[0-9a-f-]{36}$/);
    const caseUrl = page.url();
    const reference = (await page.textContent('#case-reference')).trim();
    assert.match(reference, /^SP-\d{4}-/);
    assert.ok((await page.textContent('h1')).includes(name));

    // Find it by a word of the name, and by the Thai transliteration.
    for (const q of [name.split(' ')[1], 'ราชนี']) {
      await search(page, q);
      const link = page.locator(`a:has-text("${reference}")`);
      assert.equal(await link.count(), 1, `search ${q} finds the case`);
    }
    await page.click(`a:has-text("${reference}")`);
    await page.waitForURL(caseUrl);
    assert.ok((await page.textContent('main')).includes(name));
    // Search terms never land in the URL.
    assert.ok(!page.url().includes(name.split(' ')[1]));

    await page.click('#logout');
    await page.waitForURL(`${BASE}/login`);
    await page.goto(caseUrl);
    assert.equal(new URL(page.url()).pathname, '/login', 'signed out: the case is not reachable');
    await context.close();

    // Organisation B's case manager: no search hit, and the case "does not exist".
    const other = await login(browser, 'demo-cm-b');
    await search(other.page, name.split(' ')[1]);
    assert.equal(await other.page.locator(`text=${reference}`).count(), 0);
    assert.ok(await other.page.locator('#no-cases').isVisible());
    const res = await other.page.goto(caseUrl);
    assert.equal(res.status(), 404);
    assert.ok(!(await other.page.textContent('body')).includes(name));

    // Search before create: B learns only that a record may exist at A, and whom to contact.
    await other.page.goto(`${BASE}/cases/new`);
    await other.page.getByLabel('Name', { exact: true }).fill(name);
    await other.page.selectOption('#sex', 'female');
    await other.page.selectOption('#birth_kind', 'exact');
    await other.page.fill('#birth_value', '1998-04-12');
    await other.page.fill('#nationalities', 'THA');
    await other.page.click('#check-duplicates');
    await other.page.waitForSelector('#duplicates');
    const found = await other.page.textContent('#duplicates');
    assert.ok(found.includes('Organisation A') && found.includes('Demo Case Manager (org A)'), found);
    assert.ok(!found.includes(reference), 'no reference of the other organisation');
    assert.equal(await other.page.locator('.dup-visible').count(), 0);
    await other.context.close();
  } finally {
    await browser.close();
  }
});

test('pages are usable on a phone and switch to Indonesian', async () => {
  const browser = await launch();
  try {
    const { context, page } = await login(browser, 'demo-coordinator', { viewport: { width: 390, height: 844 } });
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 390, `no horizontal scrolling (${width}px)`);
    await openMenu(page);
    await page.selectOption('#lang-switch', 'id');
    await page.click('text=Change');
    await page.waitForURL(`${BASE}/cases`);
    assert.equal(await page.getAttribute('html', 'lang'), 'id');
    assert.ok((await page.textContent('h1')).includes('Kasus'));
    await openMenu(page);
    await page.selectOption('#lang-switch', 'en');
    await page.click('text=Ganti');
    await context.close();
  } finally {
    await browser.close();
  }
});
