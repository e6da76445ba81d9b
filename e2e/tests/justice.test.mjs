// Issue 11, rights and justice, in the browser: a case manager records a
// permit, a hearing by video link from abroad, an interpretation and a
// compensation claim on the case's "Rights and justice" page; a disbursement
// the case manager requests is approved by a coordinator on the fund page;
// another organisation sees none of it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, apiCall as api, apiToken as token, launch, login } from './helpers.mjs';

test('a permit, a hearing by video link from abroad, an interpretation, a claim, and a disbursement approved by a second person', async () => {
  const cmTok = await token('demo-cm-a');
  const made = await api(cmTok, 'POST', '/api/v1/cases', {
    person: { names: [{ value: 'Synthetic Justicebrowser', script: 'Latn' }], sex: 'female', gender_identity: 'woman',
      birth_date: { kind: 'year', year: 1996 }, nationalities: ['MMR'], languages: ['my'] },
    exploitation_forms: ['forced_labour'],
  });
  assert.equal(made.status, 201);
  const caseId = made.json.id;
  const browser = await launch();
  try {
    const cm = await login(browser, 'demo-cm-a');
    await cm.page.goto(`${BASE}/cases/${caseId}`);
    await Promise.all([cm.page.waitForURL(/\/justice$/), cm.page.click('#justice-link')]);
    // A permit that expires before it is issued: the error beside the field, input kept.
    await cm.page.selectOption('#permit-kind', 'temporary_stay');
    await cm.page.fill('#permit-issued_on', '2026-03-01');
    await cm.page.fill('#permit-expires_on', '2026-02-01');
    await cm.page.fill('#permit-authority', 'Synthetic Immigration Bureau');
    await Promise.all([cm.page.waitForLoadState('load'), cm.page.click('#add-permit')]);
    assert.equal(await cm.page.locator('#error-summary').count(), 1);
    assert.equal(await cm.page.inputValue('#permit-authority'), 'Synthetic Immigration Bureau');
    await cm.page.fill('#permit-expires_on', '2026-09-30');
    await Promise.all([cm.page.waitForURL(/done=permit/), cm.page.click('#add-permit')]);
    assert.match(await cm.page.textContent('#message'), /permit was recorded/);
    assert.match(await cm.page.textContent('#permit-list'), /30 September 2026/);

    // A criminal proceeding and a hearing by video link from abroad.
    await cm.page.selectOption('#proceeding-kind', 'criminal');
    await cm.page.fill('#proceeding-authority', 'Synthetic Provincial Court');
    await cm.page.selectOption('#proceeding-role', 'witness');
    await cm.page.fill('#proceeding-opened_on', '2026-01-15');
    await Promise.all([cm.page.waitForURL(/done=proceeding/), cm.page.click('#add-proceeding')]);
    const form = cm.page.locator('form#event').first();
    await form.locator('select[name="kind"]').selectOption('hearing');
    await form.locator('input[name="on"]').fill('2026-10-20');
    await form.locator('select[name="attendance"]').selectOption('video_link_from_abroad');
    await Promise.all([cm.page.waitForURL(/done=event/), form.locator('button[type="submit"]').click()]);
    assert.match(await cm.page.textContent('.timeline'), /by video link from abroad/);
    assert.match(await cm.page.textContent('.timeline'), /20 October 2026/);

    // An interpretation and a compensation claim, each in its folded section of the page.
    await cm.page.click('details:has(form#interpretation) > summary');
    await cm.page.selectOption('#interpretation-occasion', 'hearing');
    await cm.page.fill('#interpretation-on', '2026-10-20');
    await cm.page.selectOption('#interpretation-interpreter_provided', 'yes');
    await cm.page.selectOption('#interpretation-language', 'my');
    await cm.page.fill('#interpretation-provided_by', 'Synthetic Interpreting Service');
    await Promise.all([cm.page.waitForURL(/done=interpretation/), cm.page.click('#add-interpretation')]);
    assert.match(await cm.page.textContent('#message'), /interpretation was recorded/);
    assert.match(await cm.page.textContent('#interpretation-list'), /20 October 2026 · Hearing · interpreter provided · Burmese/);
    // An amount that is not a number: the error beside the field, the input kept; then a good one.
    await cm.page.click('details:has(form#claim) > summary');
    await cm.page.selectOption('#claim-kind', 'back_pay');
    await cm.page.fill('#claim-amount', 'twelve thousand');
    await cm.page.selectOption('#claim-currency', 'THB');
    await cm.page.fill('#claim-filed_on', '2026-02-01');
    await Promise.all([cm.page.waitForLoadState('load'), cm.page.click('#add-claim')]);
    assert.equal(await cm.page.locator('#error-summary').count(), 1);
    assert.equal(await cm.page.inputValue('#claim-amount'), 'twelve thousand');
    assert.equal(await cm.page.inputValue('#claim-filed_on'), '2026-02-01');
    await cm.page.fill('#claim-amount', '12,500');
    await Promise.all([cm.page.waitForURL(/done=claim/), cm.page.click('#add-claim')]);
    assert.match(await cm.page.textContent('#message'), /claim was recorded/);
    assert.match(await cm.page.textContent('#claim-list'), /Labour back pay.*claimed 12,500\.00 THB/s);

    // The case manager requests a payment from the fund on the case's page;
    // it waits for a coordinator.
    const accounts = (await api(cmTok, 'GET', '/api/v1/fund/accounts')).json.items;
    const legal = accounts.find((a) => a.kind === 'legal_aid').id;
    await cm.page.goto(`${BASE}/cases/${caseId}/justice`);
    await cm.page.locator('details:has(#disbursement) > summary').click();
    await cm.page.selectOption('#disbursement-account_id', legal);
    await cm.page.fill('#disbursement-amount', '1,234.00');
    await cm.page.selectOption('#disbursement-currency', 'THB');
    await cm.page.fill('#disbursement-description', 'Synthetic browser-test legal fees');
    await Promise.all([cm.page.waitForURL(/done=disbursement/), cm.page.click('#add-disbursement')]);
    assert.match(await cm.page.textContent('#message'), /coordinator approves/);
    const coord = await login(browser, 'demo-coordinator');
    await coord.page.goto(`${BASE}/fund`);
    const item = coord.page.locator('li.pending-transaction', { hasText: 'Synthetic browser-test legal fees' });
    assert.equal(await item.count(), 1);
    await Promise.all([coord.page.waitForURL(/done=approve/), item.locator('button.approve').click()]);
    assert.match(await coord.page.textContent('#message'), /approved and posted/);
    assert.equal(await coord.page.locator('li.pending-transaction', { hasText: 'Synthetic browser-test legal fees' }).count(), 0);
    assert.match(await coord.page.textContent('#ledger-table'), /Synthetic browser-test legal fees/);

    // Another organisation sees none of it.
    const other = await login(browser, 'demo-cm-b');
    const r = await other.page.goto(`${BASE}/cases/${caseId}/justice`);
    assert.equal(r.status(), 404);
    assert.ok(!(await other.page.textContent('body')).includes('Synthetic Provincial Court'));
  } finally {
    await browser.close();
  }
});
