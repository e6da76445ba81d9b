// The statistics dashboards in the browser: the analyst lands on them, every
// dashboard table and chart shows no name, no case reference and no count
// between 1 and 10; the checklist shows items without data as such.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, PASSWORD, apiCall, apiToken, launch, syntheticName } from './helpers.mjs';

let browser;
before(async () => {
  browser = await launch();
  // A person identified this year, so that the checklist's legal aid item
  // has persons to count whichever test files ran before this one.
  const coord = await apiToken('demo-coordinator');
  const made = await apiCall(coord, 'POST', '/api/v1/cases', { person: { names: [{ value: syntheticName('Statident'), script: 'Latn' }], sex: 'female' } });
  assert.equal(made.status, 201);
  const path = `/api/v1/cases/${made.json.id}/decisions`;
  const rg = await apiCall(coord, 'POST', path, { stage: 'reasonable_grounds', outcome: 'presumed_victim', reasons: 'Synthetic reasons for the browser test.', letter_addressee: 'person' });
  assert.equal(rg.status, 201, JSON.stringify(rg.json));
  const conclusive = await apiCall(coord, 'POST', path, { stage: 'conclusive', outcome: 'identified', reasons: 'Synthetic reasons for the browser test.' });
  assert.equal(conclusive.status, 201, JSON.stringify(conclusive.json));
});
after(async () => { await browser?.close(); });

async function signIn(username, landing) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${BASE}/login`);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(PASSWORD);
  await Promise.all([page.waitForURL(`${BASE}${landing}`), page.click('#login')]);
  return { context, page };
}

test('the analyst lands on the dashboards and no small cell, name or reference appears', async () => {
  const { context, page } = await signIn('demo-analyst', '/stats');
  try {
    const tables = page.locator('section.stats-table');
    assert.ok(await tables.count() >= 8);
    for (const id of ['by_year', 'by_quarter', 'by_nationality', 'form_by_year']) {
      const section = page.locator(`#table-${id}`);
      assert.equal(await section.locator('svg[role="img"] desc').count(), 1, id);
      assert.ok((await section.locator('figcaption').textContent()).length > 10, id);
      // The text alternative is folded away until asked for (13 quarters are 13 lines).
      assert.equal(await section.locator('figcaption details.as-text:not([open])').count(), 1, id);
    }
    const html = await page.content();
    assert.doesNotMatch(html, /SP-\d{4}-/);
    for (const cell of await page.locator('td.count').allTextContents()) {
      const n = Number(cell.trim());
      if (Number.isInteger(n) && cell.trim() !== '') assert.ok(n === 0 || n >= 11, `count ${cell}`);
    }
    // The years show the growth the demo seeds, and some cells are withheld.
    assert.ok(await page.locator('#table-form_by_year .withheld').count() >= 1);
    // Filters and a CSV download.
    await page.fill('#from', '2025-01');
    await Promise.all([page.waitForURL(/from=2025-01/), page.click('#stats-filter button')]);
    const csv = await page.request.get(`${BASE}/stats/tables/by_sex.csv?from=2025-01`);
    assert.equal(csv.status(), 200);
    assert.match(await csv.text(), /Persons/);
    await page.goto(`${BASE}/checklist`);
    // Legal aid lights up from the rights-and-justice records (here fewer
    // than eleven: withheld); the demo's trainings give the trained first
    // responders.
    assert.notEqual(await page.locator('#item-legal_aid').getAttribute('data-status'), 'no_data');
    assert.notEqual(await page.locator('#item-trained_responders').getAttribute('data-status'), 'no_data');
  } finally {
    await context.close();
  }
});

test('a case manager is refused the dashboards', async () => {
  const { context, page } = await signIn('demo-cm-a', '/cases');
  try {
    const res = await page.goto(`${BASE}/stats`);
    assert.equal(res.status(), 403);
  } finally {
    await context.close();
  }
});
