// Issue 11, rights and justice, seen from a receiving organisation: through a
// referral whose consent does not cover `legal`, organisation B's case
// manager opens the case but finds no *Rights and justice* link, and the page
// itself answers 404 without a word of it; once a referral shares `legal`,
// the link and the permit appear (read only). The coordinator's fund page
// shows the reconciliation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, apiCall as api, apiToken as token, launch, login } from './helpers.mjs';

async function refer(cmA, cmB, caseId, categories) {
  const orgB = (await api(cmB, 'GET', '/api/v1/me')).json.org_id;
  const consent = await api(cmA, 'POST', `/api/v1/cases/${caseId}/consents`, {
    purpose: 'service_referral', recipient_org_id: orgB, categories, expires_on: '2099-12-31',
  });
  assert.equal(consent.status, 201);
  const sent = await api(cmA, 'POST', `/api/v1/cases/${caseId}/referrals`, {
    to_org_id: orgB, service: 'legal_aid', categories, urgency: 'urgent',
  });
  assert.equal(sent.status, 201);
  assert.equal((await api(cmB, 'POST', `/api/v1/referrals/${sent.json.id}/accept`)).status, 200);
}

test('a receiving organisation without legal consent sees no rights and justice; with it, read only', async () => {
  const cmA = await token('demo-cm-a');
  const cmB = await token('demo-cm-b');
  const made = await api(cmA, 'POST', '/api/v1/cases', {
    person: { names: [{ value: 'Synthetic Receivingcheck', script: 'Latn' }], sex: 'female', gender_identity: 'woman',
      birth_date: { kind: 'year', year: 1999 }, nationalities: ['KHM'], languages: ['km'] },
    exploitation_forms: ['forced_labour'],
  });
  assert.equal(made.status, 201);
  const caseId = made.json.id;
  const permit = await api(cmA, 'POST', `/api/v1/cases/${caseId}/permits`, {
    kind: 'reflection_period', issued_on: '2026-11-01', expires_on: '2027-01-30', authority: 'Synthetic Receiving Bureau',
  });
  assert.equal(permit.status, 201);
  await refer(cmA, cmB, caseId, ['health']);

  const browser = await launch();
  try {
    const b = await login(browser, 'demo-cm-b');
    const res = await b.page.goto(`${BASE}/cases/${caseId}`);
    assert.equal(res.status(), 200, 'the case opens through the referral');
    assert.equal(await b.page.locator('#justice-link').count(), 0, 'no link to a page that would refuse');
    const justice = await b.page.goto(`${BASE}/cases/${caseId}/justice`);
    assert.equal(justice.status(), 404);
    assert.ok(!(await b.page.textContent('body')).includes('Synthetic Receiving Bureau'));

    await refer(cmA, cmB, caseId, ['legal']);
    await b.page.goto(`${BASE}/cases/${caseId}`);
    await Promise.all([b.page.waitForURL(/\/justice$/), b.page.click('#justice-link')]);
    assert.match(await b.page.textContent('#permit-list'), /30 January 2027/);
    assert.equal(await b.page.locator('#add-permit').count(), 0, 'read only');

    const coord = await login(browser, 'demo-coordinator');
    await coord.page.goto(`${BASE}/fund#reconciliation`);
    await Promise.all([coord.page.waitForLoadState('load'), coord.page.click('#reconcile')]);
    assert.match(await coord.page.textContent('#reconciliation-result'), /reconciles/);
    await coord.page.fill('#reconcile-from', '2026-05-02');
    await coord.page.fill('#reconcile-to', '2026-05-01');
    await Promise.all([coord.page.waitForLoadState('load'), coord.page.click('#reconcile')]);
    assert.equal(await coord.page.locator('#reconciliation-error').count(), 1);
    assert.equal(await coord.page.inputValue('#reconcile-from'), '2026-05-02');
  } finally {
    await browser.close();
  }
});
