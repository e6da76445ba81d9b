// Issue 10: documents on a case. A case manager adds a scan from a phone
// (390 px) and from a desktop, sees it listed in words, downloads it (never
// opened in the browser) and removes it after confirming.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, apiToken, apiCall, launch, login, syntheticName } from './helpers.mjs';

const PDF = Buffer.from('%PDF-1.4\n1 0 obj\n<< /Title (Synthetic scan) >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n');

for (const [label, viewport] of [['a phone', { width: 390, height: 844 }], ['a desktop', { width: 1280, height: 900 }]]) {
  test(`a case manager adds, downloads and removes a document on ${label}`, async () => {
    const tok = await apiToken('demo-cm-a');
    const created = await apiCall(tok, 'POST', '/api/v1/cases', { person: { names: [{ value: syntheticName('Docu'), script: 'Latn' }], sex: 'female' } });
    assert.equal(created.status, 201);
    const caseId = created.json.id;
    const browser = await launch();
    try {
      const { page } = await login(browser, 'demo-cm-a', { viewport, acceptDownloads: true });
      await page.goto(`${BASE}/cases/${caseId}`);
      await Promise.all([page.waitForURL(/\/documents$/), page.click('#documents-link')]);
      assert.ok(await page.locator('#no-documents').isVisible(), 'an empty list says what to do');
      await page.selectOption('#document-kind', 'medical');
      await page.fill('#document-description', 'Synthetic check-up');
      // A page pretending to be a PDF is refused beside the field, the input kept.
      await page.setInputFiles('#document-file', { name: 'report.pdf', mimeType: 'application/pdf', buffer: Buffer.from('<html>no</html>') });
      await Promise.all([page.waitForLoadState('load'), page.click('#document-add')]);
      assert.ok(await page.locator('#document-file-error').isVisible(), 'the error is beside the file');
      assert.equal(await page.inputValue('#document-description'), 'Synthetic check-up');
      assert.equal(await page.inputValue('#document-kind'), 'medical');
      await page.setInputFiles('#document-file', { name: 'check-up.pdf', mimeType: 'application/pdf', buffer: PDF });
      await Promise.all([page.waitForURL(/done=added/), page.click('#document-add')]);
      assert.ok(await page.locator('#message').isVisible(), 'a message after adding');
      const item = page.locator('#documents li.document').first();
      assert.match(await item.innerText(), /check-up\.pdf/);
      assert.match(await item.innerText(), /Medical paper/);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert.ok(overflow <= 1, `nothing scrolls sideways (${overflow}px)`);
      const [download] = await Promise.all([page.waitForEvent('download'), item.locator('.document-actions a').click()]);
      assert.equal(download.suggestedFilename(), 'check-up.pdf');
      // Removing asks first.
      await item.locator('details.remove summary').click();
      await Promise.all([page.waitForURL(/done=removed/), item.locator('details.remove button').click()]);
      assert.ok(await page.locator('#message').isVisible());
      assert.ok(await page.locator('#no-documents').isVisible());
    } finally {
      await browser.close();
    }
  });
}

test('a receiving organisation adds its report on a phone, only in what is shared, and the case manager is told', async () => {
  const cmA = await apiToken('demo-cm-a');
  const cmB = await apiToken('demo-cm-b');
  const created = await apiCall(cmA, 'POST', '/api/v1/cases', { person: { names: [{ value: syntheticName('Shelterdoc'), script: 'Latn' }], sex: 'female' } });
  assert.equal(created.status, 201);
  const caseId = created.json.id;
  const orgB = (await apiCall(cmB, 'GET', '/api/v1/me')).json.org_id;
  const categories = ['health'];
  assert.equal((await apiCall(cmA, 'POST', `/api/v1/cases/${caseId}/consents`, {
    purpose: 'service_referral', recipient_org_id: orgB, categories, expires_on: '2099-12-31' })).status, 201);
  const sent = await apiCall(cmA, 'POST', `/api/v1/cases/${caseId}/referrals`, { to_org_id: orgB, service: 'shelter', categories, urgency: 'urgent' });
  assert.equal(sent.status, 201);
  assert.equal((await apiCall(cmB, 'POST', `/api/v1/referrals/${sent.json.id}/accept`)).status, 200);
  const browser = await launch();
  try {
    const { page } = await login(browser, 'demo-cm-b', { viewport: { width: 390, height: 844 } });
    await page.goto(`${BASE}/cases/${caseId}/documents`);
    assert.ok(await page.locator('#document-shared-hint').isVisible(), 'the form says who will see what is added');
    const offered = await page.locator('#document-category option').evaluateAll((os) => os.map((o) => o.value).filter(Boolean));
    assert.deepEqual(offered, ['health'], 'only the categories shared are offered');
    // A kind whose category was not shared is refused beside the category.
    await page.selectOption('#document-kind', 'identity_document');
    await page.setInputFiles('#document-file', { name: 'id.pdf', mimeType: 'application/pdf', buffer: PDF });
    await Promise.all([page.waitForLoadState('load'), page.click('#document-add')]);
    assert.ok(await page.locator('#document-category-error').isVisible(), 'the error is beside the category');
    await page.selectOption('#document-kind', 'medical');
    await page.setInputFiles('#document-file', { name: 'health-check.pdf', mimeType: 'application/pdf', buffer: PDF });
    await Promise.all([page.waitForURL(/done=added/), page.click('#document-add')]);
    const item = page.locator('#documents li.document').first();
    assert.match(await item.innerText(), /health-check\.pdf/);
    assert.ok(await item.locator('details.remove').count() === 1, 'what it added, it may remove');
  } finally {
    await browser.close();
  }
  const told = await apiCall(cmA, 'GET', '/api/v1/notifications');
  assert.ok(told.json.items.some((n) => n.kind === 'document_added' && n.case_id === caseId), 'the case manager is told');
});
