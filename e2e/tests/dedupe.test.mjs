// The de-duplication review queue in the browser. The demo registers the
// synthetic Nguyễn Thị Lan twice in organisation A (by the case manager, and
// by the first responder as "Nguyen Thi Lann") and runs one de-duplication:
// the coordinator finds the pair, merges it (the merged case is labelled in
// the case list, both cases stay), and undoes the merge.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, launch, login } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('on a phone, the two records read side by side without scrolling sideways', async () => {
  const { context, page } = await login(browser, 'demo-coordinator', { viewport: { width: 390, height: 844 }, isMobile: true });
  try {
    await page.goto(`${BASE}/dedupe`);
    const pair = page.locator('li.dedupe-pair', { hasText: 'Nguyen Thi Lann' }).filter({ hasText: 'Nguyễn Thị Lan' });
    await pair.locator('summary').click();
    assert.ok(await pair.locator('td.value-a').first().isVisible());
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 390, `the page fits the phone (${width}px)`);
    const overflow = await pair.locator('.table-scroll').evaluate((d) => d.scrollWidth - d.clientWidth);
    assert.ok(overflow <= 1, `the comparison does not scroll sideways (${overflow}px)`);
  } finally {
    await context.close();
  }
});

test('the coordinator reviews the demo pair, merges it, sees the merged case labelled, and undoes the merge', async () => {
  const { context, page } = await login(browser, 'demo-coordinator');
  try {
    await page.goto(`${BASE}/dedupe`);
    assert.equal(await page.locator('#run-state').getAttribute('data-state'), 'done');
    const pair = page.locator('li.dedupe-pair', { hasText: 'Nguyen Thi Lann' }).filter({ hasText: 'Nguyễn Thị Lan' });
    assert.equal(await pair.count(), 1);
    const pairId = await pair.getAttribute('data-pair');
    const primary = await pair.getAttribute('data-a');
    const secondary = await pair.getAttribute('data-b');
    assert.match(primary, /^SP-/);
    // The explanation names each field, both records' values and the agreement.
    await pair.locator('summary').click();
    assert.ok(await pair.locator('table.explanation tbody tr').count() >= 1);

    // Merge, keeping the first case as the main record.
    await pair.locator('input[name="primary_case_id"]').first().check();
    await Promise.all([page.waitForURL(`${BASE}/dedupe`), pair.locator('button.merge-button').click()]);
    assert.equal(await page.locator(`li.dedupe-pair[data-pair="${pairId}"]`).count(), 0);
    const merged = page.locator(`li.dedupe-merge[data-pair="${pairId}"]`);
    assert.equal(await merged.count(), 1);
    assert.match(await merged.textContent(), new RegExp(`${secondary}\\s+merged into\\s+${primary}`));

    // The case list shows the secondary as merged into the primary; both cases stay.
    await page.goto(`${BASE}/cases`);
    await page.fill('#q', secondary);
    await Promise.all([page.waitForLoadState('load'), page.click('#search')]);
    const row = page.locator('table.cases tr', { hasText: secondary });
    assert.equal(await row.count(), 1);
    assert.match(await row.textContent(), new RegExp(`merged into ${primary}`));
    await Promise.all([page.waitForURL(/\/cases\/[0-9a-f-]{36}$/), row.locator('a').click()]);
    assert.match(await page.content(), new RegExp(secondary));

    // Undo: both separate again, the pair back in the queue.
    await page.goto(`${BASE}/dedupe`);
    await Promise.all([
      page.waitForURL(`${BASE}/dedupe`),
      page.locator(`li.dedupe-merge[data-pair="${pairId}"] button.unmerge-button`).click(),
    ]);
    assert.equal(await page.locator(`li.dedupe-merge[data-pair="${pairId}"]`).count(), 0);
    assert.equal(await page.locator(`li.dedupe-pair[data-pair="${pairId}"]`).count(), 1);
    await page.goto(`${BASE}/cases`);
    await page.fill('#q', secondary);
    await Promise.all([page.waitForLoadState('load'), page.click('#search')]);
    assert.doesNotMatch(await page.locator('table.cases tr', { hasText: secondary }).textContent(), /merged into/);
  } finally {
    await context.close();
  }
});

test('an administrator sees counts only, never names', async () => {
  const { context, page } = await login(browser, 'demo-admin');
  try {
    await page.goto(`${BASE}/dedupe`);
    assert.ok(Number(await page.textContent('#count-pending')) >= 1);
    assert.equal(await page.locator('li.dedupe-pair').count(), 0);
    const html = await page.content();
    assert.ok(!html.includes('Nguyen Thi Lann') && !html.includes('Nguyễn Thị Lan'));
  } finally {
    await context.close();
  }
});
