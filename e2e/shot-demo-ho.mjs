// The demo's handover after arrival, as the case manager sees it (by hand, not a test).
import { launch, login, BASE } from './tests/helpers.mjs';
const [HO, CASE] = process.argv.slice(2);
const browser = await launch();
for (const width of [1280, 390]) {
  const { context, page } = await login(browser, 'demo-cm-a', { viewport: { width, height: 900 } });
  await page.goto(`${BASE}/handovers/${HO}`);
  await page.screenshot({ path: `/tmp/ho-${width}.png`, fullPage: true });
  console.log(width, await page.evaluate(() => document.documentElement.scrollWidth));
  await page.goto(`${BASE}/cases/${CASE}/work`);
  await page.screenshot({ path: `/tmp/ho-work-${width}.png`, fullPage: true });
  await context.close();
}
await browser.close();
