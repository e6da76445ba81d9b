// Issue "Case management and the referral network": a case manager of
// organisation A assesses needs, records consent to share health and
// accommodation data with organisation B's shelter, and refers; B's focal
// point accepts and sees only those categories; A revokes; B loses access.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, launch, login, syntheticName } from './helpers.mjs';

/** Opens the folded section that holds `form` (the case work page folds its forms). */
async function openForm(page, form) {
  if (!(await page.locator(form).isVisible())) await page.locator(`details:has(${form}) > summary`).click();
}

async function addNeed(page, domain, priority, view) {
  await openForm(page, '#need-form');
  await page.selectOption('#need-domain', domain);
  await page.selectOption('#need-priority', priority);
  await page.fill('#need-persons_view', view);
  await Promise.all([page.waitForLoadState('load'), page.click('#add-need')]);
  assert.ok(await page.locator('#message').isVisible(), 'a message after adding a need');
}

test('consent, referral, category-limited access for the receiver, revocation', async () => {
  const browser = await launch();
  try {
    const name = syntheticName('Sunisa');
    const phone = '+66 81 555 0142';
    const note = 'Private synthetic note: met her at the bus station.';
    const a = await login(browser, 'demo-cm-a');
    await a.page.click('text=New case');
    await a.page.getByLabel('Name', { exact: true }).fill(name);
    await a.page.selectOption('#sex', 'female');
    await a.page.fill('#phone', phone);
    await a.page.fill('#notes', note);
    await a.page.click('#save');
    await a.page.waitForURL(/\/cases\/[0-9a-f-]{36}$/);
    const caseUrl = a.page.url();

    // The needs assessment: two needs that will be shared, one that will not.
    await a.page.click('#open-work');
    await a.page.waitForURL(/\/work$/);
    await addNeed(a.page, 'accommodation', 'high', 'Would like a women-only shelter');
    await addNeed(a.page, 'physical_health', 'urgent', 'Pain in the left wrist');
    await addNeed(a.page, 'legal_assistance', 'medium', 'Wants to claim unpaid wages');
    assert.equal(await a.page.locator('#need-list .need').count(), 3);

    // Without consent the referral is refused, clearly.
    await a.page.goto(`${caseUrl}/sharing`);
    const orgB = await a.page.locator('#to_org_id option', { hasText: 'Organisation B' }).getAttribute('value');
    await a.page.selectOption('#to_org_id', orgB);
    await a.page.fill('#service', 'shelter');
    await a.page.check('#referral-cat-health');
    await a.page.check('#referral-cat-accommodation');
    const refused = await Promise.all([a.page.waitForNavigation(), a.page.click('#send-referral')]);
    assert.equal(refused[0].status(), 403);
    assert.ok((await a.page.textContent('main')).toLowerCase().includes('consent'));

    // Consent for health and accommodation data to B, then the referral.
    await a.page.goto(`${caseUrl}/sharing`);
    await a.page.selectOption('#purpose', 'service_referral');
    await a.page.selectOption('#recipient_org_id', orgB);
    await a.page.check('#consent-cat-health');
    await a.page.check('#consent-cat-accommodation');
    await a.page.fill('#explained_in_language', 'th');
    await a.page.check('#interpreter');
    await Promise.all([a.page.waitForLoadState('load'), a.page.click('#record-consent')]);
    assert.equal(await a.page.locator('.consent[data-effective="true"]').count(), 1);
    await a.page.selectOption('#to_org_id', orgB);
    await a.page.fill('#service', 'shelter');
    await a.page.check('#referral-cat-health');
    await a.page.check('#referral-cat-accommodation');
    await Promise.all([a.page.waitForLoadState('load'), a.page.click('#send-referral')]);
    assert.equal(await a.page.locator('#case-referrals .referral[data-state="pending"]').count(), 1);

    // B's focal point: the referral waits in the inbox; before accepting, the case is hidden.
    const b = await login(browser, 'demo-cm-b');
    assert.equal((await b.page.goto(caseUrl)).status(), 404);
    await b.page.goto(`${BASE}/referrals`);
    const mine = b.page.locator('.referral[data-state="pending"]', { hasText: 'shelter' }).first();
    await Promise.all([b.page.waitForLoadState('load'), mine.locator('button.accept').click()]);
    const res = await b.page.goto(caseUrl);
    assert.equal(res.status(), 200);
    const seen = await b.page.textContent('main');
    assert.ok(seen.includes('Would like a women-only shelter'), 'accommodation need shared');
    assert.ok(seen.includes('Pain in the left wrist'), 'health need shared');
    for (const hidden of [name, phone, note, 'Wants to claim unpaid wages']) {
      assert.ok(!seen.includes(hidden), `B must not see: ${hidden}`);
    }
    assert.equal((await b.page.goto(`${caseUrl}/work`)).status(), 404, 'no case work page for B');
    assert.equal((await b.page.goto(`${caseUrl}/sharing`)).status(), 404, 'no consent ledger for B');

    // A revokes; B loses access at once.
    await a.page.goto(`${caseUrl}/sharing`);
    const accepted = a.page.locator('#case-referrals .referral[data-state="accepted"]').first();
    await accepted.locator('input[name=reason]').fill('The person moved to a relative instead.');
    await Promise.all([a.page.waitForLoadState('load'), accepted.locator('button.revoke').click()]);
    assert.equal(await a.page.locator('#case-referrals .referral[data-state="revoked"]').count(), 1);
    const after = await b.page.goto(caseUrl);
    assert.equal(after.status(), 404);
    assert.ok(!(await b.page.textContent('body')).includes('Would like a women-only shelter'));
    await a.context.close();
    await b.context.close();
  } finally {
    await browser.close();
  }
});

test('the lifecycle moves step by step and the work list shows overdue tasks', async () => {
  const browser = await launch();
  try {
    const { context, page } = await login(browser, 'demo-coordinator', { viewport: { width: 390, height: 844 } });
    await page.goto(`${BASE}/work`);
    assert.ok(await page.locator('#overdue-tasks .task.overdue').count() > 0, 'demo has overdue tasks');
    assert.ok(await page.locator('#review-queue .review').count() > 0, 'demo has a review queue');
    assert.ok(await page.locator('#approvals-waiting li').count() > 0, 'demo has approvals waiting');
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 390, `no horizontal scrolling (${width}px)`);
    // Open a case from the queue whose status form offers a step other than
    // closing (identification itself is a decision, not a status step), and
    // move it one stage on.
    const links = await page.locator('#overdue-tasks a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    let next = null;
    for (const href of links) {
      await page.goto(`${BASE}${href}`);
      const values = await page.locator('#status-to option').evaluateAll((os) => os.map((o) => o.value));
      next = values.find((v) => v !== 'closed') ?? null;
      if (next) break;
    }
    assert.ok(next, 'a demo case with a next step');
    const before = (await page.textContent('#case-status')).trim();
    await openForm(page, '#status-form');
    await page.selectOption('#status-to', next);
    await page.fill('#status-reason', 'Synthetic step for the browser test.');
    await Promise.all([page.waitForLoadState('load'), page.click('#change-status')]);
    const after = (await page.textContent('#case-status')).trim();
    assert.notEqual(after, before);
    assert.ok((await page.textContent('#timeline')).includes('Synthetic step for the browser test.'));
    await context.close();
  } finally {
    await browser.close();
  }
});
