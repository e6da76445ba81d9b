// Issue 10: a page read in another language holds no English left behind.
// Each demo role reads its menu's pages in Thai (and the case roles four
// cases with their sub-pages); a run of three or more lowercase English
// words is an untranslated string. What people typed (names, notes,
// services, agreements, accounts: marked translate="no" or class "notes")
// and form fields are exempt: they are kept as written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, launch, login, openMenu } from './helpers.mjs';

const ENGLISH = /\b[a-z]+(?:[ ,;:'’-]+[a-z]+){2,}\b/;

async function readIn(page, code) {
  await openMenu(page);
  await page.selectOption('#lang-switch', code);
  await Promise.all([page.waitForLoadState('load'), page.click('form[action="/settings/language"] button')]);
}

async function visibleText(page) {
  return page.evaluate(() => {
    const main = document.querySelector('main');
    if (!main) return '';
    const copy = main.cloneNode(true);
    copy.querySelectorAll('[translate="no"], .notes, small[id$="-help"], script, style, textarea, input, option')
      .forEach((e) => e.remove());
    return copy.innerText;
  });
}

for (const user of ['demo-responder', 'demo-cm-a', 'demo-coordinator', 'demo-cm-b', 'demo-analyst', 'demo-admin']) {
  test(`every page ${user} reads in Thai is in Thai`, async () => {
    const browser = await launch();
    try {
      // The responder works on a phone; the others at a desk.
      const { page } = await login(browser, user, user === 'demo-responder' ? { viewport: { width: 390, height: 844 } } : {});
      await readIn(page, 'th');
      const urls = [page.url(), ...await page.locator('nav a').evaluateAll((as) => as.map((a) => a.href))];
      if (['demo-cm-a', 'demo-coordinator', 'demo-cm-b'].includes(user)) {
        await page.goto(`${BASE}/cases`);
        const cases = [...new Set(await page.locator('table a[href^="/cases/"]').evaluateAll((as) => as.map((a) => a.getAttribute('href'))))].slice(0, 4);
        for (const c of cases) {
          for (const sub of ['', '/work', '/sharing', '/documents', '/justice', '/stays', '/audit']) urls.push(`${BASE}${c}${sub}`);
        }
      }
      const problems = [];
      for (const url of [...new Set(urls)]) {
        const r = await page.goto(url);
        if (!r || r.status() >= 400) continue;
        assert.equal(await page.evaluate(() => document.documentElement.lang), 'th', url);
        const m = (await visibleText(page)).match(ENGLISH);
        if (m) problems.push(`${url.replace(BASE, '')}: «${m[0]}»`);
      }
      // Back to English, which the other tests expect of the demo users.
      await page.goto(`${BASE}/`);
      await readIn(page, 'en');
      assert.deepEqual(problems, [], problems.join('\n'));
    } finally {
      await browser.close();
    }
  });
}
