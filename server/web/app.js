// The entry of the caseworker's page of `inforce serve`: wires the sections' forms and buttons,
// switches sections by the URL's hash, starts health polling and builds the form from the vocabulary.
// Not here: any rule logic (the server decides everything) or any section's drawing (one module
// each). Modules are imported by relative paths so the page works under a proxy's path prefix.

import { $, clear } from './dom.js';
import { today } from './words.js';
import { api, showError } from './api.js';
import { state } from './state.js';
import { buildForm, loadCaseFile, resetForm, setFile } from './form.js';
import { evaluate } from './results.js';
import { drawHistory } from './history.js';
import { loadTimeline, openVersion } from './law.js';
import { runBatch } from './batch.js';
import { pollHealth, watchHealth } from './status.js';

const SECTIONS = ['evaluate', 'history', 'law', 'batch', 'status'];

function showSection(name, moveFocus) {
  const target = SECTIONS.includes(name) ? name : 'evaluate';
  for (const id of SECTIONS) $(id).hidden = id !== target;
  for (const a of document.querySelectorAll('nav.tabs a')) {
    if (a.dataset.section === target) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  if (target === 'law') loadTimeline();
  if (target === 'status') pollHealth();
  if (moveFocus) {
    const heading = $(`${target}-heading`);
    heading.setAttribute('tabindex', '-1');
    heading.focus();
  }
}

function goTo(name) {
  if (location.hash !== `#${name}`) history.pushState(null, '', `#${name}`);
  showSection(name, true);
}

function wire() {
  $('case-form').addEventListener('submit', evaluate);
  $('clear-button').addEventListener('click', () => {
    resetForm();
    setFile(null);
    $('case-file').value = '';
    $('file-banner').hidden = true;
  });
  $('case-file').addEventListener('change', (e) => loadCaseFile(e.target.files[0]));
  $('history-form').addEventListener('submit', drawHistory);
  $('batch-form').addEventListener('submit', runBatch);
  // Buttons inside generated content, handled once here.
  document.addEventListener('click', (e) => {
    const target = e.target instanceof Element ? e.target : null;
    const open = target?.closest('button.open-version');
    if (open) {
      if ($('law').hidden) goTo('law');
      openVersion(open.dataset.ruleSet, open.dataset.version);
      return;
    }
    const fill = target?.closest('button.fill-fact');
    if (fill) state.controls.get(fill.dataset.fact)?.focus();
  });
  // A case file dropped anywhere on the page.
  document.addEventListener('dragover', (e) => {
    e.preventDefault();
    document.body.classList.add('dragging');
  });
  document.addEventListener('dragleave', (e) => {
    if (!e.relatedTarget) document.body.classList.remove('dragging');
  });
  document.addEventListener('drop', (e) => {
    e.preventDefault();
    document.body.classList.remove('dragging');
    const file = e.dataTransfer?.files?.[0];
    if (file) {
      goTo('evaluate');
      loadCaseFile(file);
    }
  });
  window.addEventListener('popstate', () => showSection(location.hash.slice(1), false));
  for (const a of document.querySelectorAll('nav.tabs a')) {
    a.addEventListener('click', (e) => {
      e.preventDefault();
      goTo(a.dataset.section);
    });
  }
}

async function start() {
  wire();
  $('case-date').value = today();
  $('history-from').value = '1990-01-01';
  $('history-to').value = today();
  showSection(location.hash.slice(1), false);
  watchHealth();
  const res = await api('v1/vocabulary');
  if (!res.ok) {
    clear($('fact-groups'));
    showError($('eval-errors'), res.data, 'Loading the facts');
    return;
  }
  state.vocabulary = res.data;
  buildForm(res.data);
  document.body.dataset.ready = 'true';
}

start();
