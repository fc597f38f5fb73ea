// Browser tests of the page over a rules tree it must not trust: markup in titles, cites, summaries,
// notes, descriptions and links is shown as text, and a rules edit that fails its check is shown as
// an alert with its file and line. Not here: the page over the shipped rules (page.test.mjs).

import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { copyRules, openPage, repoRoot, screenshot, setFact, startBrowser, startServer } from './harness.mjs';

const MARKUP = '<img src=x onerror=alert(1)>';
let rules;
let server;
let browser;

function edit(file, from, to) {
  const text = readFileSync(file, 'utf8');
  assert.ok(text.includes(from), `${file} holds ${from}`);
  writeFileSync(file, text.replace(from, to));
}

before(async () => {
  rules = copyRules();
  const decree = path.join(rules.dir, 'kz', 'citizens-departure', '2001-07-26.yaml');
  edit(decree, 'title: Rules of departure of citizens of the Republic of Kazakhstan out of the Republic of Kazakhstan (Decree No. 1010)',
    `title: "${MARKUP} Rules of departure <b>(Decree No. 1010)</b>"`);
  edit(decree, '    cite: Decree No. 1010 of 26 July 2001, Rules, items 2 and 5 (second paragraph)',
    `    cite: "${MARKUP} Decree No. 1010, items 2 and 5"`);
  edit(decree, '    summary: A secret-holder needs an exit visa obtained beforehand for any trip abroad, whatever its purpose.',
    `    summary: "<script>alert(2)</script> A secret-holder needs an exit visa."`);
  edit(decree, '  number: "1010"\n', '  number: "1010"\n  url: "javascript:alert(3)"\n');
  edit(path.join(rules.dir, 'kz', 'facts.yaml'), '    description: The person is married.', `    description: "${MARKUP} The person is married."`);
  server = await startServer(rules.dir);
  browser = await startBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  rules?.remove();
});

function noProblems() {
  assert.deepEqual(browser.problems.splice(0), [], 'the page logged errors or opened a dialog');
}

async function noMarkupRan(page) {
  const found = await page.evaluate(() => ({
    img: document.querySelectorAll('img').length,
    b: document.querySelectorAll('main b').length,
    scripts: [...document.scripts].map((sc) => sc.src || 'inline'),
    jsLinks: [...document.querySelectorAll('a[href]')].filter((a) => a.getAttribute('href').startsWith('javascript:')).length,
  }));
  assert.equal(found.img, 0, 'no <img> element was made from rule text');
  assert.equal(found.b, 0, 'no <b> element was made from rule text');
  assert.deepEqual(found.scripts.map((src) => new URL(src, 'http://x/').pathname), ['/app.js']);
  assert.equal(found.jsLinks, 0, 'no javascript: link');
}

describe('untrusted text in rules', () => {
  it('shows markup in a fact description, a cite and a rule-set title as text', async () => {
    const { page } = browser;
    await openPage(page, server.url);
    assert.match(await page.locator('.fact[data-fact="person.married"] .help').innerText(), /<img src=x onerror=alert\(1\)> The person is married\./);
    await page.locator('#case-date').fill('2010-08-01');
    await setFact(page, 'person.citizenship', 'KZ');
    await setFact(page, 'person.secret_holder', false);
    await setFact(page, 'trip.direction', 'exit');
    await setFact(page, 'trip.purpose', 'tourism');
    await page.getByRole('button', { name: 'Evaluate', exact: true }).click();
    const visa = page.locator('article.outcome[data-outcome="exit_visa_required"]');
    await visa.waitFor();
    assert.match(await visa.innerText(), /<img src=x onerror=alert\(1\)> Decree No\. 1010, items 2 and 5/);
    await page.locator('#eval-results details.in-force summary').click();
    assert.match(await page.locator('#eval-results details.in-force').innerText(), /<img src=x onerror=alert\(1\)> Rules of departure <b>\(Decree No\. 1010\)<\/b>/);
    await screenshot(page, 'untrusted-results');
    await noMarkupRan(page);
    noProblems();
  });

  it('shows markup in the explorer as text and does not link a javascript: URL', async () => {
    const { page } = browser;
    await openPage(page, server.url, '#law');
    await page.locator('svg g.version[data-rule-set="kz.citizens-departure"][data-version="2001-07-26"]').click();
    const detail = page.locator('#explorer-body article.version-detail');
    await detail.waitFor();
    assert.equal(await detail.locator('h4').innerText(), `${MARKUP} Rules of departure <b>(Decree No. 1010)</b>`);
    const text = await detail.innerText();
    assert.match(text, /<script>alert\(2\)<\/script> A secret-holder needs an exit visa\./);
    assert.match(text, /javascript:alert\(3\) \(not a web address; not linked\)/);
    // The timeline's own labels carry the title too.
    assert.match(await page.locator('svg g.version[data-version="2001-07-26"][data-rule-set="kz.citizens-departure"] title').textContent(), /<img src=x/);
    await screenshot(page, 'untrusted-explorer');
    await noMarkupRan(page);
    noProblems();
  });
});

describe('the page scripts', () => {
  it('have no way to turn text into markup or code, in any module', () => {
    const web = path.join(repoRoot, 'server', 'web');
    const scripts = readdirSync(web).filter((f) => f.endsWith('.js'));
    assert.ok(scripts.includes('app.js') && scripts.includes('dom.js'), `the page's modules are found (${scripts.join(', ')})`);
    for (const file of scripts) {
      const source = readFileSync(path.join(web, file), 'utf8')
        .split('\n').filter((line) => !line.trimStart().startsWith('//')).join('\n');
      for (const sink of ['innerHTML', 'outerHTML', 'insertAdjacentHTML', 'createContextualFragment', 'DOMParser', 'document.write', 'eval(', 'new Function', 'setAttribute(\'style\'', 'import(']) {
        assert.ok(!source.includes(sink), `${file} uses ${sink}`);
      }
    }
  });
});

describe('rules edited while the server runs', () => {
  it('shows the problems of a refused edit in an alert, and clears it once the edit is fixed', async () => {
    const { page } = browser;
    await openPage(page, server.url, '#status');
    const alert = page.locator('#stale-alert');
    assert.equal(await alert.isVisible(), false);
    const file = path.join(rules.dir, 'kz', 'french-nationals', '2017-01-01.yaml');
    const good = readFileSync(file, 'utf8');
    writeFileSync(file, good.replace(/^in_force: .*$/m, 'in_force: {from: not-a-date}'));
    try {
      await alert.waitFor({ state: 'visible', timeout: 20000 });
      const text = await alert.innerText();
      assert.match(text, /latest edit of the rules was refused/);
      assert.match(text, /2017-01-01\.yaml/);
      assert.match(text, /line \d+/);
      assert.match(await page.locator('#status-body').innerText(), /Stale/);
      await screenshot(page, 'status-refused-edit');
    } finally {
      writeFileSync(file, good);
    }
    await alert.waitFor({ state: 'hidden', timeout: 20000 });
    assert.match(await page.locator('#header-status').innerText(), /Rules: ok/);
    noProblems();
  });
});
