// Browser tests of the caseworker's page against a real `inforce serve` over the shipped rules:
// the case form, the three kinds of outcome, errors, the history picture, the rule explorer, batch
// upload and keyboard use. Not here: untrusted rule text and reloads (untrusted.test.mjs), the API
// itself (the server crate's tests).

import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openPage, repoRoot, screenshot, setFact, startBrowser, startServer } from './harness.mjs';

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await startBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

function noProblems() {
  assert.deepEqual(browser.problems.splice(0), [], 'the page logged errors');
}

/** A citizen leaving for tourism in 2010: every exit outcome is decided. */
async function fillTouristCase(page) {
  await page.locator('#case-id').fill('tourist-2010');
  await page.locator('#case-date').fill('2010-08-01');
  await setFact(page, 'person.citizenship', 'KZ');
  await setFact(page, 'person.birth_date', '1984-11-30');
  await setFact(page, 'person.secret_holder', false);
  await setFact(page, 'trip.direction', 'exit');
  await setFact(page, 'trip.purpose', 'tourism');
  for (const r of ['criminal_proceedings', 'civil_proceedings', 'sentence_unserved', 'compulsory_military_service', 'false_documents']) {
    await setFact(page, `restrictions.${r}`, false);
  }
}

async function evaluateForm(page) {
  await page.getByRole('button', { name: 'Evaluate', exact: true }).click();
  await page.waitForSelector('#eval-results article.outcome');
}

describe('the evaluate form', () => {
  it('fills the form and gets a decided outcome with the rules and citations it rests on', async () => {
    const { page } = browser;
    await openPage(page, server.url);
    await fillTouristCase(page);
    await evaluateForm(page);
    const visa = page.locator('article.outcome[data-outcome="exit_visa_required"]');
    assert.equal(await visa.getAttribute('data-status'), 'decided');
    const text = await visa.innerText();
    assert.match(text, /Decided: No/);
    assert.match(text, /Decree No\. 1010 of 26 July 2001, Rules, items 2 and 5/);
    assert.match(text, /no-permission-other-purposes/);
    assert.match(text, /kz\.citizens-departure/);
    assert.match(await page.locator('article.outcome[data-outcome="exit_permitted"]').innerText(), /Decided: Yes/);
    assert.match(await page.locator('article.outcome[data-outcome="exit_visa_issuers"]').innerText(), /Decided: None \(empty list\)/);
    await screenshot(page, 'evaluate-decided');
    noProblems();
  });

  it('opens the explanation on demand', async () => {
    const { page } = browser;
    const details = page.locator('#explanation');
    assert.equal(await details.getAttribute('open'), null, 'the explanation starts closed');
    await details.locator('summary').click();
    await page.waitForSelector('#explanation table.trace');
    assert.match(await details.innerText(), /exit_visa_required is no, under Decree No\. 1010/);
    await screenshot(page, 'evaluate-explanation');
    noProblems();
  });

  it('shows an undetermined outcome with its reason', async () => {
    const { page } = browser;
    await openPage(page, server.url);
    await page.locator('#case-date').fill('2015-01-01');
    await setFact(page, 'trip.direction', 'exit');
    await setFact(page, 'trip.purpose', 'tourism');
    await evaluateForm(page);
    const visa = page.locator('article.outcome[data-outcome="exit_visa_required"]');
    assert.equal(await visa.getAttribute('data-status'), 'undetermined');
    const text = await visa.innerText();
    assert.match(text, /Not determined: .*was repealed on 2012-03-28 by Government Order No\. 361/);
    await screenshot(page, 'evaluate-undetermined');
    noProblems();
  });

  it('shows a missing-facts outcome with the facts to ask for', async () => {
    const { page } = browser;
    await openPage(page, server.url);
    await page.locator('#case-date').fill('2008-04-01');
    await setFact(page, 'person.citizenship', 'KZ');
    await setFact(page, 'trip.direction', 'exit');
    await setFact(page, 'trip.purpose', 'permanent_residence');
    await evaluateForm(page);
    const due = page.locator('article.outcome[data-outcome="decision_due_by"]');
    assert.equal(await due.getAttribute('data-status'), 'missing_facts');
    const text = await due.innerText();
    assert.match(text, /Missing facts: ask for/);
    assert.match(text, /Date the last of the documents required for the permanent-residence petition was filed/);
    assert.match(text, /application\.complete_on/);
    // "fill in" takes the caseworker to the field to ask about.
    await due.getByRole('button', { name: 'fill in' }).click();
    assert.equal(await page.evaluate(() => document.activeElement?.closest('.fact')?.dataset.fact), 'application.complete_on');
    await screenshot(page, 'evaluate-missing-facts');
    noProblems();
  });

  it('sends a fact marked as not happened as null and an unknown one not at all', async () => {
    const { page } = browser;
    await openPage(page, server.url);
    const sent = [];
    page.on('request', (r) => {
      if (r.url().includes('/v1/eval')) sent.push(r.postData());
    });
    await page.locator('#case-date').fill('2008-04-01');
    await setFact(page, 'person.citizenship', 'KZ');
    await page.locator('.fact[data-fact="application.complete_on"]').getByLabel('Has not happened').check();
    await page.locator('.fact[data-fact="application.documents"]').getByLabel('questionnaire', { exact: true }).check();
    await evaluateForm(page);
    const body = JSON.parse(sent[0]);
    assert.deepEqual(body, { date: '2008-04-01', person: { citizenship: 'KZ' }, application: { complete_on: null, documents: ['questionnaire'] } });
    noProblems();
  });

  it('shows a refused case file with the server message, its field and its line', async (t) => {
    const { page } = browser;
    await openPage(page, server.url);
    const dir = mkdtempSync(path.join(tmpdir(), 'inforce-case-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'bad.json');
    writeFileSync(file, '{\n  "date": "2010-08-01",\n  "person": {"citizenship": "kz"}\n}\n');
    await page.locator('#case-file').setInputFiles(file);
    await page.waitForSelector('#file-banner:not([hidden])');
    await page.getByRole('button', { name: 'Evaluate', exact: true }).click();
    const alert = page.locator('#eval-errors .alert');
    await alert.waitFor();
    const text = await alert.innerText();
    assert.match(text, /does not fit the facts/);
    assert.match(text, /`?kz`? is not an allowed value of `?person\.citizenship/);
    assert.match(text, /did you mean `?KZ`?/);
    assert.match(text, /field person\.citizenship, line 3, column \d+/);
    await screenshot(page, 'evaluate-refused-file');
    noProblems();
  });

  it('evaluates a YAML case file as it is', async () => {
    const { page } = browser;
    await openPage(page, server.url);
    await page.locator('#case-file').setInputFiles(path.join(repoRoot, 'examples', 'citizen-tourism-2010.yaml'));
    await page.waitForSelector('#file-banner:not([hidden])');
    // The date picker, which overrides the case's date, takes the file's own date.
    assert.equal(await page.locator('#case-date').inputValue(), '2010-08-01');
    assert.equal(await page.locator('.fact-group[data-group="person"]').evaluate((fs) => fs.disabled), true, 'the form is set aside');
    await evaluateForm(page);
    assert.match(await page.locator('#results-heading').innerText(), /citizen-tourism-2010 on 1 August 2010/);
    assert.equal(await page.locator('article.outcome[data-outcome="exit_permitted"]').getAttribute('data-status'), 'decided');
    noProblems();
  });

  it('fills the form from a dropped JSON case file', async () => {
    const { page } = browser;
    await openPage(page, server.url);
    const json = JSON.stringify({ id: 'dropped', date: '2005-06-10', person: { citizenship: 'KZ', secret_holder: true, secret_org_liquidated: false }, trip: { direction: 'exit', purpose: 'tourism' } });
    const dt = await page.evaluateHandle((text) => {
      const d = new DataTransfer();
      d.items.add(new File([text], 'dropped.json', { type: 'application/json' }));
      return d;
    }, json);
    await page.dispatchEvent('#drop-zone', 'drop', { dataTransfer: dt });
    await page.waitForFunction(() => document.querySelector('#case-id').value === 'dropped');
    assert.equal(await page.locator('.fact[data-fact="person.citizenship"] select').inputValue(), 'KZ');
    assert.equal(await page.locator('.fact[data-fact="person.secret_holder"]').getByLabel('Yes', { exact: true }).isChecked(), true);
    assert.equal(await page.locator('#case-date').inputValue(), '2005-06-10');
    await evaluateForm(page);
    assert.match(await page.locator('article.outcome[data-outcome="exit_visa_issuers"]').innerText(), /Decided: Organization head/);
    noProblems();
  });
});

describe('the history picture', () => {
  it('draws bands and shows a band period on hover and on keyboard focus', async () => {
    const { page } = browser;
    await openPage(page, server.url);
    await fillTouristCase(page);
    await page.getByRole('link', { name: 'History' }).click();
    await page.locator('#history-from').fill('2000-01-01');
    await page.locator('#history-to').fill('2020-01-01');
    await page.getByRole('button', { name: 'Draw the history' }).click();
    const band = page.locator('g.band[data-outcome="exit_visa_required"][data-from="2001-07-26"]');
    await band.waitFor();
    const tip = page.locator('#history-tip');

    await band.hover();
    await tip.waitFor({ state: 'visible' });
    let text = await tip.innerText();
    assert.match(text, /2001-07-26 – 2012-03-27/);
    assert.match(text, /Decided: No/);
    assert.match(text, /Decree No\. 1010/);
    await screenshot(page, 'history-hover');

    // Keyboard: the band before it in the row, then Tab onto it.
    await page.mouse.move(0, 0);
    await page.locator('g.band[data-outcome="exit_visa_required"][data-from="2000-01-01"]').focus();
    text = await tip.innerText();
    assert.match(text, /2000-01-01 – 2001-07-25/);
    assert.match(text, /Decided: Yes/);
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.dataset.from), '2001-07-26');
    text = await tip.innerText();
    assert.match(text, /2001-07-26 – 2012-03-27/);
    assert.equal(await tip.getAttribute('role'), 'tooltip');

    // Version boundaries are labelled with the act that starts there.
    const boundary = page.locator('g.boundary[data-date="2012-03-28"]');
    assert.match(await boundary.locator('title').textContent(), /Government Order No\. 361/);
    const legend = await page.locator('#history-output ul.legend').innerText();
    assert.match(legend, /Not determined/);
    assert.match(legend, /Decided: Yes/);
    await screenshot(page, 'history-focus', true);
    noProblems();
  });
});

describe('the law through time', () => {
  it('opens a version in the explorer and shows its rules with their cites', async () => {
    const { page } = browser;
    await openPage(page, server.url, '#law');
    const version = page.locator('svg g.version[data-rule-set="kz.citizens-departure"][data-version="2001-07-26"]');
    await version.waitFor();
    const repeal = page.locator('svg g.version[data-rule-set="kz.citizens-departure"][data-kind="repealed"]');
    assert.equal(await repeal.count(), 1, 'the repeal is drawn');
    assert.match(await repeal.innerHTML(), /repealed/);
    await version.click();
    const detail = page.locator('#explorer-body article.version-detail[data-version="2001-07-26"]');
    await detail.waitFor();
    const text = await detail.innerText();
    assert.match(text, /Decree No\. 1010/);
    assert.match(text, /Cite: Decree No\. 1010 of 26 July 2001, Rules, item 4, first paragraph/);
    assert.match(text, /A secret-holder needs an exit visa obtained beforehand/);
    assert.match(text, /Notes/);
    await screenshot(page, 'law-explorer', true);

    // The same by keyboard: focus the 1992 version and press Enter.
    await page.locator('svg g.version[data-rule-set="kz.citizens-departure"][data-version="1992-09-29"]').focus();
    await page.keyboard.press('Enter');
    await page.locator('#explorer-body article.version-detail[data-version="1992-09-29"]').waitFor();
    assert.match(await page.locator('#explorer-body').innerText(), /Provisional Regulations No\. 813/);
    noProblems();
  });
});

describe('answers the shipped rules do not give', () => {
  it('draws a gap in the timeline and a conflicting outcome, from stubbed answers', async () => {
    const { page } = browser;
    const rules = { source: 'stub', digest: 'f'.repeat(64) };
    await page.route('**/v1/timeline', (route) => route.fulfill({ json: { rules, rule_sets: [{ id: 'x.gappy', periods: [
      { from: '2000-01-01', until: '2005-01-01', kind: 'in_force', version: '2000-01-01', title: 'First', source: 'Act 1', rules: 2 },
      { from: '2005-01-01', until: '2008-01-01', kind: 'gap', rules: 0 },
      { from: '2008-01-01', kind: 'in_force', version: '2008-01-01', title: 'Second', source: 'Act 2', rules: 3 },
    ] }] } }));
    await page.route('**/v1/eval*', (route) => route.fulfill({ json: { case: 'stub', date: '2010-08-01', rules, rule_sets: [], outcomes: {
      exit_permitted: { status: 'conflict', value: null, by: [
        { rule: 'a', rule_set: 'x.one', version: '2000-01-01', cite: 'Act 1, item 1' },
        { rule: 'b', rule_set: 'x.two', version: '2000-01-01', cite: 'Act 2, item 9' },
      ] },
    } } }));
    try {
      await openPage(page, server.url, '#law');
      const gap = page.locator('svg g.version[data-rule-set="x.gappy"][data-kind="gap"]');
      await gap.waitFor();
      assert.match(await gap.textContent(), /gap/);
      assert.equal(await gap.getAttribute('tabindex'), '-1', 'a gap has no version to open');
      assert.match(await page.locator('table.versions tr.kind-gap').innerText(), /gap\s+2005-01-01\s+2007-12-31/);
      await screenshot(page, 'stub-gap');
      await page.getByRole('link', { name: 'Evaluate a case' }).click();
      await evaluateForm(page);
      const conflict = page.locator('article.outcome[data-outcome="exit_permitted"]');
      assert.equal(await conflict.getAttribute('data-status'), 'conflict');
      const text = await conflict.innerText();
      assert.match(text, /Conflict: the rules in force disagree/);
      assert.match(text, /Act 1, item 1/);
      assert.match(text, /Act 2, item 9/);
    } finally {
      await page.unrouteAll();
    }
    noProblems();
  });
});

describe('batch', () => {
  it('streams a JSON Lines upload with progress and offers the results for download', async (t) => {
    const { page } = browser;
    await openPage(page, server.url, '#batch');
    const lines = [];
    const base = JSON.parse(JSON.stringify({ date: '2010-08-01', person: { citizenship: 'KZ', secret_holder: false }, trip: { direction: 'exit', purpose: 'tourism' } }));
    for (let i = 0; i < 3000; i += 1) lines.push(JSON.stringify({ ...base, id: `c${i}` }));
    lines[10] = '{not json';
    lines[20] = JSON.stringify({ id: 'typo', persn: {} });
    const dir = mkdtempSync(path.join(tmpdir(), 'inforce-batch-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'cases.jsonl');
    writeFileSync(file, `${lines.join('\n')}\n`);
    await page.locator('#batch-file').setInputFiles(file);
    // Record every value the progress bar takes while the response streams.
    await page.evaluate(() => {
      window.progressSeen = [];
      const meter = document.getElementById('batch-meter');
      new MutationObserver(() => window.progressSeen.push(meter.value)).observe(document.getElementById('batch-count'), { childList: true, characterData: true, subtree: true });
    });
    await page.getByRole('button', { name: 'Run the batch' }).click();
    const link = page.locator('#batch-download-link');
    await link.waitFor();
    assert.equal(await page.locator('#batch-meter').evaluate((m) => [m.value, m.max].join('/')), '3000/3000');
    assert.match(await page.locator('#batch-count').innerText(), /3000 of 3000 lines done, 2 error lines/);
    const seen = await page.evaluate(() => window.progressSeen);
    assert.ok(seen.length >= 2, `progress was shown (${seen.join(', ')})`);
    assert.deepEqual([...seen].sort((a, b) => a - b), seen, 'progress never goes back');
    await screenshot(page, 'batch-done');
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    const saved = path.join(dir, 'results.jsonl');
    await download.saveAs(saved);
    const out = readFileSync(saved, 'utf8').trimEnd().split('\n');
    assert.equal(out.length, 3000);
    assert.equal(JSON.parse(out[10]).line, 11);
    assert.equal(JSON.parse(out[0]).case, 'c0');
    assert.equal(download.suggestedFilename(), 'cases.results.jsonl');
    noProblems();
  });
});

describe('keyboard use', () => {
  it('reaches every control by Tab with a visible focus, and submits the form from the keyboard', async () => {
    const { page } = browser;
    await openPage(page, server.url);
    // The skip link comes first.
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Skip to the content');
    await page.locator('#case-date').focus();
    await page.keyboard.type('08012010');
    assert.equal(await page.locator('#case-date').inputValue(), '2010-08-01');
    let reached = false;
    const unfocused = [];
    for (let i = 0; i < 300 && !reached; i += 1) {
      await page.keyboard.press('Tab');
      const info = await page.evaluate(() => {
        const el = document.activeElement;
        const cs = getComputedStyle(el);
        return { id: el.id, text: el.textContent, visible: cs.outlineStyle !== 'none' || cs.boxShadow !== 'none' };
      });
      if (!info.visible) unfocused.push(info.id || info.text);
      reached = info.id === 'evaluate-button';
    }
    assert.ok(reached, 'Tab reaches the Evaluate button');
    assert.deepEqual(unfocused, [], 'every control shows its focus');
    await screenshot(page, 'keyboard-submit-focus');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#eval-results article.outcome');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'results-heading');
    noProblems();
  });

  it('switches sections from the keyboard', async () => {
    const { page } = browser;
    await openPage(page, server.url);
    await page.getByRole('link', { name: 'The law through time' }).focus();
    await page.keyboard.press('Enter');
    await page.locator('#law').waitFor({ state: 'visible' });
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'law-heading');
    assert.equal(await page.locator('#evaluate').isVisible(), false);
    noProblems();
  });
});

/** Every visible text of the page whose contrast with its background is under WCAG AA. */
async function lowContrast(page) {
  return page.evaluate(() => {
    const rgb = (c) => (c.match(/[\d.]+/g) ?? []).map(Number);
    const hex = (h) => [1, 3, 5].map((i) => Number.parseInt(h.slice(i, i + 2), 16));
    const lum = ([r, g, b]) => {
      const f = (v) => {
        const x = v / 255;
        return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
      };
      return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
    };
    const ratio = (a, b) => {
      const [l1, l2] = [lum(a), lum(b)].sort((x, y) => y - x);
      return (l1 + 0.05) / (l2 + 0.05);
    };
    const background = (el) => {
      for (let e = el; e; e = e.parentElement) {
        const c = rgb(getComputedStyle(e).backgroundColor);
        if (c.length >= 3 && (c.length < 4 || c[3] === 1)) return c.slice(0, 3);
      }
      return [255, 255, 255];
    };
    const bad = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const el = n.parentElement;
      if (!n.textContent.trim() || !el || el.closest('svg') || !el.checkVisibility() || el.closest('fieldset[disabled]')) continue;
      const cs = getComputedStyle(el);
      const size = Number.parseFloat(cs.fontSize);
      const large = size >= 24 || (size >= 18.66 && Number(cs.fontWeight) >= 700);
      const r = ratio(rgb(cs.color).slice(0, 3), background(el));
      if (r < (large ? 3 : 4.5)) bad.push(`${n.textContent.trim().slice(0, 40)}: ${r.toFixed(2)}`);
    }
    // Text on solid SVG bands against the band's fill.
    for (const t of document.querySelectorAll('svg text.band-text')) {
      const fill = t.parentElement.querySelector('rect')?.getAttribute('fill') ?? '';
      if (!/^#[0-9a-f]{6}$/i.test(fill) || !t.checkVisibility()) continue;
      const r = ratio(hex(t.getAttribute('fill')), hex(fill));
      if (r < 4.5) bad.push(`band ${t.textContent}: ${r.toFixed(2)}`);
    }
    return bad;
  });
}

describe('contrast', () => {
  it('keeps every text at WCAG AA contrast in results, history and the timeline', async () => {
    const { page } = browser;
    await openPage(page, server.url);
    await fillTouristCase(page);
    await evaluateForm(page);
    await page.locator('#explanation summary').click();
    await page.waitForSelector('#explanation table.trace');
    assert.deepEqual(await lowContrast(page), [], 'evaluate');
    await page.getByRole('link', { name: 'History' }).click();
    await page.locator('#history-from').fill('2000-01-01');
    await page.locator('#history-to').fill('2020-01-01');
    await page.getByRole('button', { name: 'Draw the history' }).click();
    await page.locator('g.band').first().waitFor();
    assert.deepEqual(await lowContrast(page), [], 'history');
    await page.getByRole('link', { name: 'The law through time' }).click();
    await page.locator('svg g.version').first().waitFor();
    assert.deepEqual(await lowContrast(page), [], 'timeline');
    noProblems();
  });
});

describe('rules status', () => {
  it('shows the digest the server answers with', async () => {
    const { page } = browser;
    await openPage(page, server.url, '#status');
    await page.locator('#status-body dl').waitFor();
    const digest = server.stderr().match(/digest ([0-9a-f]{12})/)[1];
    assert.match(await page.locator('#status-body').innerText(), new RegExp(digest));
    assert.match(await page.locator('#header-status').innerText(), /Rules: ok/);
    await screenshot(page, 'status-ok');
    noProblems();
  });
});

/** A reverse proxy that serves the server under `/desk/` and answers 404 to any path outside it. */
function startPrefixProxy(target) {
  const seen = [];
  const proxy = http.createServer((req, res) => {
    seen.push(req.url);
    if (!req.url.startsWith('/desk/')) {
      res.writeHead(404).end();
      return;
    }
    const upstream = http.request(new URL(req.url.slice('/desk'.length), target), { method: req.method, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode, up.headers);
      up.pipe(res);
    });
    req.pipe(upstream);
  });
  return new Promise((resolve) => {
    proxy.listen(0, '127.0.0.1', () => resolve({
      url: `http://127.0.0.1:${proxy.address().port}/desk/`,
      seen,
      stop: () => new Promise((done) => proxy.close(done)),
    }));
  });
}

describe('behind a proxy', () => {
  it('loads every module and evaluates a case when the page is served under a path prefix', async () => {
    const { page } = browser;
    const proxy = await startPrefixProxy(server.url);
    try {
      await openPage(page, proxy.url);
      await fillTouristCase(page);
      await evaluateForm(page);
      assert.equal(await page.locator('article.outcome[data-outcome="exit_permitted"]').getAttribute('data-status'), 'decided');
      const modules = readdirSync(path.join(repoRoot, 'server', 'web')).filter((f) => f.endsWith('.js'));
      for (const m of modules) assert.ok(proxy.seen.includes(`/desk/${m}`), `${m} was loaded under the prefix`);
      assert.deepEqual(proxy.seen.filter((u) => !u.startsWith('/desk/')), [], 'nothing was asked outside the prefix');
    } finally {
      await proxy.stop();
    }
    noProblems();
  });
});
