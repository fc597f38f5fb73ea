// Evaluating the case: POST /v1/eval, each outcome's status in plain words with the rules it rests
// on, and the explanation and trace on demand. Not here: the case form (form.js), the history
// picture (history.js).

import { $, clear, h, rich } from './dom.js';
import { humanise, longDate, periodText, plainValue, STATUS_WORDS } from './words.js';
import { api, query, showError } from './api.js';
import { state } from './state.js';
import { clearFieldErrors, currentCase, markFieldErrors } from './form.js';

function factLabel(name) {
  const f = state.facts.get(name);
  return f && f.description ? f.description : humanise(name);
}

function byList(by) {
  if (!Array.isArray(by) || !by.length) return null;
  return h('div', { class: 'rests-on' }, h('p', { class: 'rests-on-title' }, 'Rests on:'),
    h('ul', null, by.map((b) => h('li', { class: 'by', 'data-rule': b.rule ?? '' },
      b.cite ? h('span', { class: 'cite' }, b.cite) : null,
      h('span', { class: 'by-rule' }, ' — rule ', h('code', null, b.rule ?? '?'), ', ', h('code', null, b.rule_set ?? '?'), ' version ', b.version ?? '?', ' '),
      b.rule_set && b.version ? h('button', { type: 'button', class: 'link-button open-version', 'data-rule-set': b.rule_set, 'data-version': b.version }, 'read this version') : null))));
}

export function statusLine(name, o) {
  const decl = state.outcomes.get(name);
  const type = decl ? decl.type : undefined;
  const word = STATUS_WORDS[o.status] ?? humanise(o.status);
  switch (o.status) {
    case 'decided':
      return [h('p', { class: 'status-line' }, h('strong', { class: 'status-word' }, `${word}: `), h('span', { class: 'value' }, plainValue(o.value, type)))];
    case 'undetermined':
      return [h('p', { class: 'status-line' }, h('strong', { class: 'status-word' }, `${word}: `), h('span', { class: 'reason' }, rich(o.reason ?? 'no reason given')))];
    case 'missing_facts':
      return [
        h('p', { class: 'status-line' }, h('strong', { class: 'status-word' }, `${word}: `), 'ask for'),
        h('ul', { class: 'needs' }, (o.needs ?? []).map((n) => h('li', { 'data-fact': n },
          h('span', { class: 'need-description' }, factLabel(n)), ' ', h('code', null, n), ' ',
          state.controls.has(n) && !state.file ? h('button', { type: 'button', class: 'link-button fill-fact', 'data-fact': n }, 'fill in') : null))),
      ];
    case 'conflict':
      return [h('p', { class: 'status-line' }, h('strong', { class: 'status-word' }, word), ': the rules in force disagree', o.reason ? [': ', rich(o.reason)] : '.')];
    default:
      return [h('p', { class: 'status-line' }, h('strong', { class: 'status-word' }, word), o.reason ? [': ', rich(o.reason)] : null)];
  }
}

export function orderedOutcomes(outcomes) {
  const names = Object.keys(outcomes ?? {});
  const order = [...state.outcomes.keys()];
  return names.sort((a, b) => {
    const ia = order.indexOf(a);
    const ib = order.indexOf(b);
    return (ia < 0 ? 1e9 : ia) - (ib < 0 ? 1e9 : ib) || a.localeCompare(b);
  });
}

function renderResults(result, request) {
  const box = $('eval-results');
  clear(box);
  const outcomes = result.outcomes ?? {};
  const names = orderedOutcomes(outcomes);
  const counts = {};
  for (const n of names) counts[outcomes[n].status] = (counts[outcomes[n].status] ?? 0) + 1;
  box.append(
    h('h3', { id: 'results-heading', tabindex: '-1' }, 'Results', result.case !== undefined && result.case !== null ? [' for ', h('code', null, String(result.case))] : null, ` on ${longDate(result.date)}`),
    h('p', { class: 'summary' }, names.length
      ? Object.entries(counts).map(([k, v]) => `${v} ${(STATUS_WORDS[k] ?? k).toLowerCase()}`).join(' · ')
      : 'No outcome: no rule set in force decides anything for this case.'),
  );
  const sets = result.rule_sets ?? [];
  if (sets.length) {
    box.append(h('details', { class: 'in-force' }, h('summary', null, `Rule sets in force on ${result.date} (${sets.length})`),
      h('ul', null, sets.map((rs) => h('li', null,
        h('span', null, rs.title ?? rs.id), ' — ', h('code', null, rs.id), ` version ${rs.version}, in force ${periodText(rs.in_force?.from, rs.in_force?.until)}`,
        rs.repeal ? ' (a repeal)' : '',
        rs.applies === false ? ' — does not apply to this case' : ' — applies to this case')))));
  }
  const list = h('div', { class: 'outcomes' });
  for (const name of names) {
    const o = outcomes[name];
    const decl = state.outcomes.get(name);
    list.append(h('article', { class: `outcome status-${o.status}`, 'data-outcome': name, 'data-status': o.status },
      h('h4', null, humanise(name), ' ', h('code', { class: 'outcome-name' }, name)),
      decl && decl.description ? h('p', { class: 'outcome-description' }, rich(decl.description)) : null,
      statusLine(name, o),
      byList(o.by)));
  }
  box.append(list);
  const details = h('details', { id: 'explanation', class: 'explanation' }, h('summary', null, 'Why? The explanation and the trace'),
    h('div', { id: 'explanation-body' }, h('p', { class: 'hint' }, 'Open to ask the server for the explanation.')));
  let loaded = false;
  details.addEventListener('toggle', async () => {
    if (!details.open || loaded) return;
    loaded = true;
    const body = $('explanation-body');
    clear(body);
    body.append(h('p', { class: 'hint', role: 'status' }, 'Asking the server…'));
    const res = await api(`v1/eval${query({ date: request.date, explain: 'true' })}`, { method: 'POST', headers: { 'content-type': request.type, accept: 'application/json' }, body: request.body });
    clear(body);
    if (!res.ok) {
      loaded = false;
      showError(body, res.data, 'Explanation');
      return;
    }
    renderExplanation(body, res.data);
  });
  box.append(details);
}

function renderExplanation(body, result) {
  const lines = result.explanation ?? [];
  body.append(h('h4', null, 'Explanation'), lines.length ? h('ol', { class: 'explanation-lines' }, lines.map((l) => h('li', null, rich(l)))) : h('p', null, 'No explanation was given.'));
  const trace = result.trace ?? [];
  if (trace.length) {
    body.append(h('h4', null, 'Trace: every rule the server looked at'),
      h('div', { class: 'table-wrap' }, h('table', { class: 'trace' },
        h('thead', null, h('tr', null, ['Rule set', 'Version', 'Rule', 'Condition', 'Outcomes', 'Detail'].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', null, trace.map((t) => h('tr', null,
          h('td', null, h('code', null, t.rule_set ?? '')),
          h('td', null, t.version ?? ''),
          h('td', null, h('code', null, t.rule ?? ''), t.cite ? h('div', { class: 'cite' }, t.cite) : null),
          h('td', null, t.condition ?? ''),
          h('td', null, (t.outcomes ?? []).join(', ')),
          h('td', null, rich(t.detail ?? ''))))))));
  }
}

export async function evaluate(event) {
  event.preventDefault();
  const errors = $('eval-errors');
  clear(errors);
  clearFieldErrors();
  const date = $('case-date').value;
  if (!state.file && !date) {
    showError(errors, { error: { status: 400, message: 'choose an evaluation date', problems: [] } }, 'Evaluate');
    $('case-date').focus();
    return;
  }
  const request = { ...currentCase(), date };
  const button = $('evaluate-button');
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  const res = await api(`v1/eval${query({ date })}`, { method: 'POST', headers: { 'content-type': request.type, accept: 'application/json' }, body: request.body });
  button.disabled = false;
  button.removeAttribute('aria-busy');
  if (!res.ok) {
    clear($('eval-results'));
    const problems = showError(errors, res.data, 'Evaluate');
    const first = markFieldErrors(problems);
    if (first) first.focus();
    return;
  }
  state.lastResult = res.data;
  renderResults(res.data, request);
  $('results-heading').focus();
}
