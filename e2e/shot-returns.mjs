// Screenshots of the return page's decision form and My work (by hand, not a test).
import { launch, login, BASE } from './tests/helpers.mjs';
const CASE = process.argv[2];
const browser = await launch();
for (const [lang, width] of [['en', 1280], ['en', 390], ['my', 390], ['th', 1280]]) {
  const { context, page } = await login(browser, 'demo-cm-a', { viewport: { width, height: 900 } });
  if (lang !== 'en') {
    await page.goto(`${BASE}/cases`);
    await page.selectOption('#lang', lang).catch(() => {});
    await page.click('#language-apply').catch(() => {});
  }
  await page.goto(`${BASE}/cases/${CASE}/return`);
  await page.click('#returns ~ details summary').catch(() => {});
  await page.screenshot({ path: `/tmp/ret-${lang}-${width}.png`, fullPage: true });
  const over = await page.evaluate(() => document.documentElement.scrollWidth);
  console.log(lang, width, 'scrollWidth', over);
  await context.close();
}
await browser.close();
