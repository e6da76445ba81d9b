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
