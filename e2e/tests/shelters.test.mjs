// Issue "Case management and the referral network", confidential shelters: a
// shelter's address is visible to its staff and to the resident's case
// manager (on that case's stays page) and appears nowhere else — not in the
// directory, not in the shelter list API, not for another organisation, not on
// the case page, not for a user who is not the resident's case manager.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, PASSWORD, launch, login } from './helpers.mjs';

// The synthetic address of organisation B's women's shelter (crates/safepath-app/src/directory.rs, DEMO_SHELTERS).
const ADDRESS_PART = '17 Lantern Lane';
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true };

async function token(username) {
  const r = await fetch(`${BASE}/api/v1/auth/login`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: PASSWORD }),
  });
  assert.equal(r.status, 200);
  return (await r.json()).token;
}

async function api(tok, path) {
  const r = await fetch(`${BASE}${path}`, { headers: { authorization: `Bearer ${tok}` } });
  return { status: r.status, text: await r.text() };
}

async function textOf(page, url) {
  await page.goto(url);
  return page.textContent('body');
}

test('a shelter address is shown to its staff and the resident\'s case manager only', async () => {
  // The demo has a flagged stay at B's women's shelter for a case demo-cm-a manages.
  const coordTok = await token('demo-coordinator');
  const flags = JSON.parse((await api(coordTok, '/api/v1/detention-flags')).text).items;
  const stay = flags.find((f) => f.shelter_type === 'women');
  assert.ok(stay, 'the demo has a flagged stay in the women\'s shelter');
  assert.ok(!JSON.stringify(flags).includes(ADDRESS_PART), 'not in the detention flags');
  const caseUrl = `${BASE}/cases/${stay.case_id}`;

  // APIs that list: never the address, for anyone.
  for (const user of ['demo-cm-b', 'demo-cm-a', 'demo-cm-c']) {
    const tok = await token(user);
    for (const path of ['/api/v1/shelters', '/api/v1/services']) {
      const r = await api(tok, path);
      assert.equal(r.status, 200);
      assert.ok(!r.text.includes(ADDRESS_PART), `${user} ${path}`);
    }
    const one = await api(tok, `/api/v1/shelters/${stay.shelter_id}`);
    assert.equal(JSON.parse(one.text).location !== undefined, user === 'demo-cm-b', `${user}: location only for the shelter's staff`);
  }

  const browser = await launch();
  try {
    // The shelter's own staff.
    const staff = await login(browser, 'demo-cm-b');
    await staff.page.click('nav >> text=Directory');
    await staff.page.waitForURL(`${BASE}/directory`);
    assert.ok(!(await staff.page.textContent('body')).includes(ADDRESS_PART), 'the directory never lists it');
    await staff.page.click(`a[href="/shelters/${stay.shelter_id}"]`);
    await staff.page.waitForURL(`${BASE}/shelters/${stay.shelter_id}`);
    assert.ok((await staff.page.textContent('#shelter-location')).includes(ADDRESS_PART), 'staff see the address');
    await staff.context.close();

    // The resident's case manager, on a phone: not on the case page, yes on its stays page.
    const cm = await login(browser, 'demo-cm-a', PHONE);
    assert.ok(!(await textOf(cm.page, caseUrl)).includes(ADDRESS_PART), 'not on the case page');
    await cm.page.click('#stays-link');
    await cm.page.waitForURL(`${caseUrl}/stays`);
    assert.ok((await cm.page.textContent('.shelter-location')).includes(ADDRESS_PART), 'the resident\'s case manager sees it');
    assert.ok(await cm.page.locator('[data-flag]').first().isVisible(), 'the flag is shown');
    const width = await cm.page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 390, `fits the phone (${width}px)`);
    for (const url of [`${BASE}/directory`, `${BASE}/shelters/${stay.shelter_id}`]) {
      assert.ok(!(await textOf(cm.page, url)).includes(ADDRESS_PART), `demo-cm-a ${url}`);
    }
    await cm.context.close();

    // The owning coordinator sees the case and its stays, but is not the resident's case manager.
    const coord = await login(browser, 'demo-coordinator');
    for (const url of [caseUrl, `${caseUrl}/stays`, `${BASE}/directory`, `${BASE}/shelters/${stay.shelter_id}`]) {
      assert.ok(!(await textOf(coord.page, url)).includes(ADDRESS_PART), `demo-coordinator ${url}`);
    }
    const review = await textOf(coord.page, `${BASE}/shelters/detention`);
    assert.ok(review.includes(stay.case_reference) && !review.includes(ADDRESS_PART), 'the review shows the reference only');
    await coord.context.close();

    // Another organisation.
    const other = await login(browser, 'demo-cm-c');
    for (const url of [`${BASE}/directory`, `${BASE}/shelters/${stay.shelter_id}`, caseUrl, `${caseUrl}/stays`]) {
      assert.ok(!(await textOf(other.page, url)).includes(ADDRESS_PART), `demo-cm-c ${url}`);
    }
    await other.context.close();
  } finally {
    await browser.close();
  }
});
