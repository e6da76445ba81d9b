// Issue 12, return and handover in the browser: a case manager records a
// repatriation security assessment on the case's "Return and handover" page
// (every unanswered question is named beside it, the answers kept), is told
// in words that a handover needs the person's consent, records it on the
// sharing page, and starts the handover to the partner abroad; the page
// lists it with its state. Screenshots at 390 px and on a desktop, in both
// languages, go to e2e/screenshots/ when SAFEPATH_SCREENSHOTS is set.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, apiCall as api, apiToken as token, launch, login } from './helpers.mjs';

const shots = process.env.SAFEPATH_SCREENSHOTS;

test('a security assessment, a handover refused without consent, then started with it', async () => {
  const cmTok = await token('demo-cm-a');
  const made = await api(cmTok, 'POST', '/api/v1/cases', {
    person: { names: [{ value: 'Synthetic Returnbrowser', script: 'Latn' }], sex: 'female', gender_identity: 'woman',
      birth_date: { kind: 'year', year: 1994 }, nationalities: ['MMR'], languages: ['my'] },
    exploitation_forms: ['forced_labour'],
  });
  assert.equal(made.status, 201);
  const caseId = made.json.id;
  const browser = await launch();
  try {
    const cm = await login(browser, 'demo-cm-a');
    await cm.page.goto(`${BASE}/cases/${caseId}`);
    await Promise.all([cm.page.waitForURL(/\/return$/), cm.page.click('#return-link')]);
    assert.equal(await cm.page.locator('#no-assessments').count(), 1);

    // Half the questions answered: each unanswered one is named beside it.
    await cm.page.check('input[name="re_trafficking_risk"][value="medium"]');
    await cm.page.check('input[name="trafficker_threat"][value="low"]');
    await cm.page.check('input[name="debt_threat"][value="low"]');
    await cm.page.fill('#security-notes', 'Synthetic: the family has a room ready.');
    await Promise.all([cm.page.waitForLoadState('load'), cm.page.click('#record-assessment')]);
    assert.equal(await cm.page.locator('#error-summary').count(), 1);
    assert.equal(await cm.page.locator('#security-family_situation .field-error').count(), 1);
    assert.equal(await cm.page.locator('#security-trafficker_threat .field-error').count(), 0);
    assert.equal(await cm.page.inputValue('#security-notes'), 'Synthetic: the family has a room ready.');
    assert.ok(await cm.page.isChecked('input[name="re_trafficking_risk"][value="medium"]'));
    await cm.page.check('input[name="family_situation"][value="supportive"]');
    await cm.page.check('input[name="receiving_capacity"][value="adequate"]');
    await cm.page.check('input[name="protection_need"][value="none"]');
    await Promise.all([cm.page.waitForURL(/done=security/), cm.page.click('#record-assessment')]);
    assert.match(await cm.page.textContent('#message'), /security assessment was recorded/);
    assert.match(await cm.page.textContent('#assessment-list'), /A return only with conditions/);

    // A handover without the person's consent: refused, in words, beside the categories.
    await cm.page.click('summary:has-text("Start a handover")');
    await cm.page.selectOption('#handover-partner', { index: 1 });
    await cm.page.check('input[name="category_identity"]');
    await Promise.all([cm.page.waitForLoadState('load'), cm.page.click('#start-handover')]);
    assert.match(await cm.page.textContent('#handover-categories .field-error'), /has not agreed/);
    assert.ok(await cm.page.isChecked('input[name="category_identity"]'));
    if (shots) await cm.page.screenshot({ path: `${shots}/return-refused-desktop-en.png`, fullPage: true });

    // The consent, then the handover.
    const orgs = await api(cmTok, 'GET', '/api/v1/orgs');
    const orgC = orgs.json.items.find((o) => o.name.startsWith('Organisation C')).id;
    const consent = await api(cmTok, 'POST', `/api/v1/cases/${caseId}/consents`, {
      purpose: 'cross_border_handover', recipient_org_id: orgC, categories: ['identity'], interpreter: true,
    });
    assert.equal(consent.status, 201, JSON.stringify(consent.json));
    await cm.page.goto(`${BASE}/cases/${caseId}/return`);
    await cm.page.click('summary:has-text("Start a handover")');
    await cm.page.selectOption('#handover-partner', { index: 1 });
    await cm.page.check('input[name="category_identity"]');
    await Promise.all([cm.page.waitForURL(/done=handover/), cm.page.click('#start-handover')]);
    assert.match(await cm.page.textContent('#message'), /handover was started/);
    assert.match(await cm.page.textContent('#handover-list'), /Requested/);
    const text = await cm.page.textContent('main');
    assert.doesNotMatch(text, /\d{4}-\d{2}-\d{2}/, 'no ISO dates on the page');
    assert.doesNotMatch(text, /[0-9a-f]{8}-[0-9a-f]{4}-/, 'no ids on the page');
    // The person's decision to return and the plan: refused in words while
    // the case is not yet in solution planning, the choices kept.
    await cm.page.click('summary:has-text("Record the person")');
    await cm.page.selectOption('#decision-partner', { index: 1 });
    await cm.page.selectOption('#decision-language', 'my');
    await cm.page.check('#decision-interpreter');
    await cm.page.selectOption('#decision-agreement', { index: 1 });
    await Promise.all([cm.page.waitForLoadState('load'), cm.page.click('#record-decision')]);
    assert.match(await cm.page.textContent('#decision-form'), /solution planning/);
    assert.equal(await cm.page.inputValue('#decision-language'), 'my');
    // Identified and in solution planning (the coordinator, through the API); recorded.
    const coTok = await token('demo-coordinator');
    for (const [stage, outcome] of [['reasonable_grounds', 'presumed_victim'], ['conclusive', 'identified']]) {
      const d = await api(coTok, 'POST', `/api/v1/cases/${caseId}/decisions`,
        { stage, outcome, reasons: 'Synthetic reasons, long enough to record.', letter_addressee: 'person' });
      assert.equal(d.status, 201, JSON.stringify(d.json));
    }
    const moved = await api(coTok, 'POST', `/api/v1/cases/${caseId}/transitions`, { to: 'solution_planning' });
    assert.equal(moved.status, 201, JSON.stringify(moved.json));
    await Promise.all([cm.page.waitForURL(/done=decision/), cm.page.click('#record-decision')]);
    assert.match(await cm.page.textContent('#message'), /decision to return and the return plan were recorded/);
    assert.match(await cm.page.textContent('#return-list'), /Voluntary return[\s\S]*Burmese · with an interpreter/);
    const after = await cm.page.textContent('main');
    assert.doesNotMatch(after, /\d{4}-\d{2}-\d{2}/, 'no ISO dates on the page');
    const status = await api(cmTok, 'GET', `/api/v1/cases/${caseId}`);
    assert.equal(status.json.status, 'repatriation_in_progress');
    if (shots) {
      await cm.page.screenshot({ path: `${shots}/return-desktop-en.png`, fullPage: true });
      await cm.page.setViewportSize({ width: 390, height: 844 });
      await cm.page.screenshot({ path: `${shots}/return-390-en.png`, fullPage: true });
    }
  } finally {
    await browser.close();
  }
});
