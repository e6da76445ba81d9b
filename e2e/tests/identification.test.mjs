// Issue "Identification": a first responder screens a fisherman on a phone,
// the result refers him into a case that the receiving focal point sees; a
// decision-maker walks the reasonable-grounds and conclusive decisions and
// the reflection-period clock is checked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { BASE, launch, login, search, openMenu } from './helpers.mjs';

const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true };

/** Goes to the step that holds `selector` (Back to the first, then Next) and checks it. */
async function answer(page, selector) {
  const target = page.locator(selector);
  if (!(await target.isVisible())) {
    while (await page.locator('#step-back').isVisible()) await page.click('#step-back');
    for (let i = 0; i < 20 && !(await target.isVisible()); i++) await page.click('#step-next');
  }
  await target.check();
}

function profileDays(profile, key) {
  const toml = readFileSync(new URL(`../../crates/safepath-screening/profiles/${profile}.toml`, import.meta.url), 'utf8');
  const m = toml.match(new RegExp(`\\[${key}\\]\\s*\\nvalue = (\\d+)`));
  return Number(m[1]);
}

/** The day `days` from today as the pages write it: "30 September 2026". */
function dayFromToday(days) {
  const d = new Date();
  d.setUTCDate(d.getUTCDate() + days);
  const month = d.toLocaleString('en-GB', { month: 'long', timeZone: 'UTC' });
  return `${d.getUTCDate()} ${month} ${d.getUTCFullYear()}`;
}

test('fishing-at-sea screening on a phone ends in a referral the focal point sees', async () => {
  const browser = await launch();
  try {
    const { context, page } = await login(browser, 'demo-responder', PHONE);
    let bytes = 0;
    page.on('response', async (r) => { try { bytes += (await r.body()).length; } catch { /* redirects have no body */ } });
    await openMenu(page);
    await page.click('nav a[href="/screenings/new"]');
    await page.waitForURL(`${BASE}/screenings/new`);
    await page.check('#consent');
    await page.selectOption('#language', 'my');
    await page.check('#interpreter');
    await page.check('input[name=place_kind][value=vessel]');
    await page.fill('#place_note', 'Synthetic trawler, pier 3');
    await page.selectOption('#form', 'fishing');
    await page.fill('#age_years', '27');
    bytes = 0;
    await page.click('#next');
    await page.waitForURL(`${BASE}/screenings/new`);
    await page.waitForLoadState('load');
    assert.ok(bytes < 150 * 1024, `the questions page and its assets are under 150 KB (${bytes} bytes)`);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 390, `fits the phone (${width}px)`);
    // The first step starts with the first question of the journey; the
    // fishing prompts come in their own step.
    assert.ok(await page.locator('input[name=act_established]').first().isVisible());
    assert.equal(await page.locator('#q-FI3').isVisible(), false);
    // One step of the journey at a time, with its progress.
    assert.match(await page.textContent('#step-progress'), /^Step 1 of \d+$/);
    assert.equal(await page.locator('#evaluate').isVisible(), false, 'evaluated on the last step');
    await answer(page, 'input[name=act_established][value=yes]');
    for (const q of ['FI1', 'FI3', 'FI4', 'DR1', 'DR8']) {
      await answer(page, `input[name=a_${q}][value=yes]`);
    }
    await answer(page, 'input[name=a_EX4][value=unknown]');
    await answer(page, 'input[name=free_to_leave][value=no]');
    assert.ok(await page.locator('#evaluate').isVisible(), 'the last step evaluates');
    // The draft is kept in the browser while the form is open...
    assert.ok(await page.evaluate(() => localStorage.getItem('safepath-screening-draft')));
    await page.click('#evaluate');
    await page.waitForURL(/\/screenings\/[0-9a-f-]{36}$/);
    assert.equal(await page.getAttribute('#outcome', 'data-outcome'), 'presumed_trafficking');
    assert.ok(await page.locator('#flag-non-removal').isVisible());
    assert.ok((await page.textContent('.explanation')).length > 50, 'the outcome is explained');
    // ...and gone once the screening is stored.
    assert.equal(await page.evaluate(() => localStorage.getItem('safepath-screening-draft')), null);

    const orgB = await page.locator('#to_org_id option', { hasText: 'Organisation B' }).getAttribute('value');
    await page.selectOption('#to_org_id', orgB);
    await page.click('#refer');
    // The case belongs to organisation B: the responder gets a receipt on the
    // screening (agency and reference), not the case.
    await page.waitForURL(/\/screenings\/[0-9a-f-]{36}$/);
    const reference = (await page.textContent('#case-reference')).trim();
    assert.ok((await page.textContent('#referral-receipt')).includes('Organisation B'));
    assert.equal(await page.locator('#referred-case').count(), 0);
    const screeningUrl = page.url();
    // The responder finds it again under "My screenings", newest first, in words.
    await openMenu(page);
    await page.click('#nav-screenings');
    await page.waitForURL(`${BASE}/screenings`);
    const first = page.locator('#screenings li').first();
    assert.equal(new URL(await first.locator('a').first().getAttribute('href'), BASE).href, screeningUrl);
    const line = await first.textContent();
    assert.ok(line.includes('Presumed victim of trafficking') && line.includes('Fishing at sea'), line);
    assert.ok(line.includes('Referred into a case'), line);
    assert.doesNotMatch(line, /\d{4}-\d{2}-\d{2}|presumed_trafficking/, 'no ISO date or code');
    const listWidth = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(listWidth <= 390, `the list fits the phone (${listWidth}px)`);
    await context.close();

    // Organisation B's referral focal point finds the new case with its flag and open decision.
    const focal = await login(browser, 'demo-cm-b');
    await search(focal.page, reference);
    await focal.page.click(`a:has-text("${reference}")`);
    await focal.page.waitForURL(/\/cases\//);
    assert.ok(await focal.page.locator('#flag-non_removal').isVisible());
    const rg = focal.page.locator('li.decision[data-stage=reasonable_grounds]');
    assert.match(await rg.textContent(), /\d{1,2} [A-Z][a-z]+ \d{4}/, 'the open decision shows its due date, as people write it');
    assert.doesNotMatch(await rg.textContent(), /\d{4}-\d{2}-\d{2}/, 'no ISO date on the page');
    await focal.context.close();
  } finally {
    await browser.close();
  }
});

test('reasonable-grounds and conclusive decisions, with the reflection-period clock', async () => {
  const browser = await launch();
  try {
    const { context, page } = await login(browser, 'demo-coordinator');
    await page.click('nav >> text=Decisions');
    await page.waitForURL(`${BASE}/decisions`);
    assert.ok(Number(await page.textContent('#overdue-count')) > 0, 'overdue decisions stand out');
    assert.ok(await page.locator('tr.overdue').count() > 0);
    await page.locator('tr a').first().click();
    await page.waitForURL(/\/cases\//);
    const caseUrl = page.url();

    await page.check('input[name=outcome][value=presumed_victim]');
    await page.fill('#reasons', 'Deceived about wages; documents withheld by the employer.');
    await page.selectOption('#letter_addressee', 'guardian');
    await page.click('#decide');
    await page.waitForURL(caseUrl);
    const days = profileDays('thailand', 'reflection_period_days');
    assert.equal((await page.textContent('#reflection-ends-on')).trim(), dayFromToday(days), `reflection period of ${days} days`);
    const conclusive = page.locator('li.decision[data-stage=conclusive]');
    assert.ok((await conclusive.textContent()).includes(dayFromToday(days)), 'conclusive decision due when the reflection period ends');
    assert.ok((await page.textContent('.ref')).includes('In protection'));

    await page.check('input[name=outcome][value=identified]');
    await page.fill('#reasons', 'Consistent account corroborated by the labour inspection.');
    await page.click('#decide');
    await page.waitForURL(caseUrl);
    assert.ok((await page.textContent('.ref')).includes('Identified victim'));
    assert.ok((await conclusive.locator('.decided').textContent()).includes('Identified victim'), 'the outcome by its label');
    assert.ok(!(await conclusive.textContent()).includes('HTCDS'), 'no data-standard codes on the page');
    // The reasonable-grounds letter was addressed to the guardian, in the
    // person's language when SafePath writes it, signed by the coordinator;
    // the English one is a click away.
    await page.locator('li.decision[data-stage=reasonable_grounds] a.letter-link').click();
    await page.waitForURL(/\/letter/);
    assert.ok(await page.locator('#letter-signatory').isVisible(), 'the letter is signed');
    if (await page.locator('#letter-languages a[href$="lang=en"]').count() > 0) {
      await page.click('#letter-languages a[href$="lang=en"]');
      await page.waitForURL(/lang=en$/);
    }
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');
    assert.ok((await page.textContent('#addressee')).includes('guardian'));
    assert.match(await page.textContent('#letter-signatory'), /Decided by: .+, Coordinator/);
    await context.close();
  } finally {
    await browser.close();
  }
});
