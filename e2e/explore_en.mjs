import { launch, login, BASE, openMenu } from './tests/helpers.mjs';
async function switchTo(page, code) {
  await openMenu(page);
  await page.selectOption('#lang-switch', code);
  await Promise.all([page.waitForLoadState('load'), page.click('form[action="/settings/language"] button')]);
}
const lang = process.argv[2];
const browser = await launch();
for (const user of ['demo-responder', 'demo-cm-a', 'demo-coordinator', 'demo-cm-b', 'demo-analyst', 'demo-admin']) {
  const { page } = await login(browser, user);
  await switchTo(page, lang);
  await page.goto(`${BASE}/`);
  const urls = [page.url(), ...await page.locator('nav a').evaluateAll((as) => as.map((a) => a.href))];
  if (['demo-cm-a', 'demo-coordinator', 'demo-cm-b'].includes(user)) {
    await page.goto(`${BASE}/cases`);
    const cases = [...new Set(await page.locator('table a[href^="/cases/"]').evaluateAll((as) => as.map((a) => a.getAttribute('href'))))].slice(0, 4);
    for (const c of cases) for (const sub of ['', '/work', '/sharing', '/documents', '/justice', '/stays', '/audit']) urls.push(`${BASE}${c}${sub}`);
  }
  const seen = new Set();
  for (const url of [...new Set(urls)]) {
    const r = await page.goto(url);
    if (!r || r.status() >= 400) continue;
    const text = await page.evaluate(() => {
      const m = document.querySelector('main'); if (!m) return '';
      const c = m.cloneNode(true);
      c.querySelectorAll('.notes, small[id$="-help"], script, style, textarea, input, option').forEach((e) => e.remove());
      return c.innerText;
    });
    for (const m of text.matchAll(/\b[a-z]+(?:[ ,;:'’-]+[a-z]+){2,}\b/g)) {
      const k = m[0];
      if (!seen.has(k)) { seen.add(k); console.log(user, url.replace(BASE, '').replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, 'ID'), '«' + k + '»'); }
    }
  }
}
await browser.close();
