// Issues 10 and 13: the statistics, the checklist, a case and the letters
// print as their content: a Print button where script runs, and on paper
// (print media) no menu, forms or buttons, tables whole.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, launch, login } from './helpers.mjs';

test('the checklist and the statistics print as a report', async () => {
  const browser = await launch();
  try {
    const { context, page } = await login(browser, 'demo-coordinator');
    for (const path of ['/checklist', '/stats']) {
      await page.goto(`${BASE}${path}`);
      assert.ok(await page.locator('#print-page').isVisible(), `${path}: a Print button`);
      await page.emulateMedia({ media: 'print' });
      assert.equal(await page.locator('header.bar').isVisible(), false, `${path}: no menu on paper`);
      assert.equal(await page.locator('#print-page').isVisible(), false, `${path}: no button on paper`);
      assert.ok(await page.locator('main h1').isVisible(), `${path}: the title is printed`);
      const table = page.locator('main table').first();
      assert.ok(await table.isVisible(), `${path}: the tables are printed`);
      // The table fits the paper's width instead of scrolling.
      const overflow = await page.evaluate(() => Math.max(...[...document.querySelectorAll('.table-scroll')].map((d) => d.scrollWidth - d.clientWidth), 0));
      assert.ok(overflow <= 1, `${path}: no table scrolls on paper (${overflow}px)`);
      await page.emulateMedia({ media: 'screen' });
    }
    // A case prints its summary without the actions.
    await page.goto(`${BASE}/cases`);
    await page.click('table a[href^="/cases/"]');
    await page.waitForURL(/\/cases\/[0-9a-f-]{36}$/);
    assert.ok(await page.locator('#print-page').isVisible());
    await page.emulateMedia({ media: 'print' });
    assert.equal(await page.locator('.actions').isVisible(), false);
    assert.ok(await page.locator('#case-reference').isVisible());
    await context.close();
  } finally {
    await browser.close();
  }
});
