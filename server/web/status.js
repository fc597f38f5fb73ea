// Rules status: GET /v1/health every few seconds, a badge in the header, the digest, and an alert
// above every section with each problem when the latest edit of the rules was refused.
// Not here: the section switching that shows the status panel (app.js).

import { $, clear, h, rich } from './dom.js';
import { api, showError } from './api.js';

const HEALTH_POLL_MS = 4000;

let healthInFlight = false;
let lastHealth = null;

/** Asks for the health now and then every few seconds, for as long as the page is open. */
export function watchHealth() {
  pollHealth();
  setInterval(pollHealth, HEALTH_POLL_MS);
}

export async function pollHealth() {
  if (healthInFlight) return;
  healthInFlight = true;
  const res = await api('v1/health');
  healthInFlight = false;
  renderHealth(res);
}

function problemItem(p) {
  const where = [p.file, p.line ? `line ${p.line}` : null, p.column ? `column ${p.column}` : null].filter(Boolean).join(', ');
  return h('li', { class: 'problem' },
    where ? h('span', { class: 'problem-where' }, where, ': ') : null,
    rich(p.message ?? ''),
    p.code ? [' ', h('code', { class: 'problem-code' }, `(${p.code})`)] : null,
    p.help ? h('div', { class: 'problem-help' }, h('strong', null, 'Help: '), rich(p.help)) : null);
}

function renderHealth(res) {
  const header = $('header-status');
  const alert = $('stale-alert');
  const body = $('status-body');
  const key = JSON.stringify([res.ok, res.data]);
  if (key === lastHealth) return;
  lastHealth = key;
  clear(header);
  clear(body);
  clear(alert);
  if (!res.ok) {
    header.append(h('span', { class: 'badge badge-danger' }, 'Server unreachable'));
    showError(body, res.data, 'Health');
    alert.hidden = true;
    return;
  }
  const hl = res.data ?? {};
  const digest = String(hl.rules?.digest ?? '');
  const reload = hl.reload ?? {};
  const failed = hl.status === 'stale' || reload.state === 'failed';
  header.append(
    h('span', { class: `badge ${failed ? 'badge-danger' : 'badge-ok'}` }, failed ? 'Rules: last edit refused' : 'Rules: ok'),
    ' ', h('span', { class: 'digest' }, 'digest ', h('code', { title: digest }, digest.slice(0, 12))));
  const dl = h('dl', { class: 'facts-list' });
  const row = (term, ...def) => dl.append(h('dt', null, term), h('dd', null, ...def));
  row('Status', hl.status === 'stale' ? 'Stale: the latest edit of the rules failed its check; the previous rules are still served' : String(hl.status ?? ''));
  row('Rules', String(hl.rules?.source ?? ''));
  row('Digest', h('code', { class: 'digest-full' }, digest));
  if (hl.loaded_at) row('Loaded at', String(hl.loaded_at));
  row('Reload', reload.state === 'off' ? 'off: the server does not watch the rules' : String(reload.state ?? ''), reload.at ? ` (last at ${reload.at})` : '');
  body.append(dl);
  const problems = reload.problems ?? [];
  if (failed) {
    const content = () => [
      h('h3', null, 'The latest edit of the rules was refused'),
      h('p', null, 'The server keeps answering with the previous rules (digest ', h('code', null, digest.slice(0, 12)), ') until the problems below are fixed.'),
      problems.length ? h('ul', { class: 'problems' }, problems.map(problemItem)) : null];
    body.append(h('div', { class: 'alert alert-danger', role: 'alert', id: 'reload-problems' }, content()));
    alert.append(...content());
    alert.hidden = false;
  } else {
    alert.hidden = true;
    body.append(h('p', { class: 'ok-note' }, 'The rules loaded without problems.'));
  }
}
