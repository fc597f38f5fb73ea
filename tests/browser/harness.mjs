// Shared set-up of the browser tests: starts `inforce serve` on a free port and Debian's headless
// Chromium through playwright-core, and keeps screenshots as artefacts.
// Not a test file itself (node --test picks up only *.test.mjs).

import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const artefacts = path.join(repoRoot, 'target', 'browser-artefacts');
const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium';

// Without these flags Chromium waits on network services that this offline machine does not have.
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

function inforceBin() {
  if (process.env.INFORCE_BIN) return process.env.INFORCE_BIN;
  const target = process.env.CARGO_TARGET_DIR || path.join(repoRoot, 'target');
  const guess = path.join(target, 'debug', 'inforce');
  if (existsSync(guess)) return guess;
  throw new Error('set INFORCE_BIN to the built `inforce` binary (cargo build -p inforce)');
}

/** A copy of the shipped rules in a temporary directory, for tests that edit them. */
export function copyRules() {
  const dir = mkdtempSync(path.join(tmpdir(), 'inforce-rules-'));
  cpSync(path.join(repoRoot, 'rules'), path.join(dir, 'rules'), { recursive: true });
  return { dir: path.join(dir, 'rules'), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Starts `inforce serve` on a free loopback port; resolves once it prints where it listens. */
export function startServer(rulesDir = path.join(repoRoot, 'rules')) {
  const child = spawn(inforceBin(), ['serve', '--listen', '127.0.0.1:0', '--rules', rulesDir], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`inforce serve printed no address within 20 s:\n${stderr}`));
    }, 20000);
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      const m = stderr.match(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
      if (m) {
        clearTimeout(timer);
        resolve({
          url: `${m[1]}/`,
          stderr: () => stderr,
          stop: () => new Promise((done) => {
            if (child.exitCode !== null) return done();
            child.once('exit', done);
            child.kill('SIGTERM');
            setTimeout(() => child.kill('SIGKILL'), 5000).unref();
          }),
        });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`inforce serve exited (${code}) before listening:\n${stderr}`));
    });
  });
}

/** A fresh headless Chromium (its own user-data dir) with one page; page errors fail loudly. */
export async function startBrowser() {
  const profile = mkdtempSync(path.join(tmpdir(), 'inforce-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1300, height: 1000 },
    acceptDownloads: true,
  });
  context.setDefaultTimeout(10000);
  const problems = [];
  const watch = (page) => {
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      // Chromium logs every 4xx answer as a failed load; the page shows those itself, and tests check it.
      if (m.type() === 'error' && !/status of 4\d\d/.test(m.text())) problems.push(`console error: ${m.text()}`);
    });
    // An alert() would mean that untrusted text ran as script.
    page.on('dialog', async (d) => {
      problems.push(`dialog opened: ${d.message()}`);
      await d.dismiss();
    });
  };
  context.on('page', watch);
  const page = context.pages()[0] ?? (await context.newPage());
  watch(page);
  return {
    context,
    page,
    problems,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Opens the page at `hash` and waits until the case form is built from the vocabulary. */
export async function openPage(page, url, hash = '') {
  // A goto that changes only the hash would keep the old page and its state: start afresh.
  await page.goto('about:blank');
  await page.goto(`${url}${hash}`);
  await page.waitForSelector('body[data-ready="true"]');
}

export async function screenshot(page, name, fullPage = false) {
  mkdirSync(artefacts, { recursive: true });
  await page.screenshot({ path: path.join(artefacts, `${name}.png`), fullPage });
}

/** Chooses a value of a declared fact in the generated form, whatever control it has. */
export async function setFact(page, name, value) {
  const fact = page.locator(`.fact[data-fact="${name}"]`);
  if (typeof value === 'boolean') {
    await fact.getByLabel(value ? 'Yes' : 'No', { exact: true }).check();
  } else if (await fact.locator('select').count()) {
    await fact.locator('select').selectOption(String(value));
  } else {
    await fact.locator('input').first().fill(String(value));
  }
}
