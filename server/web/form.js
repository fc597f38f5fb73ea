// The case form built from GET /v1/vocabulary, read into a case, filled from a JSON case file, or set
// aside for a file sent as it is (YAML, or JSON the form cannot hold); field errors from the server.
// Not here: one fact's control (controls.js), evaluating (results.js).

import { $, clear, h, rich } from './dom.js';
import { humanise } from './words.js';
import { showError } from './api.js';
import { state } from './state.js';
import { factControl } from './controls.js';

const GROUP_ORDER = ['person', 'trip', 'restrictions', 'application'];

export function buildForm(vocabulary) {
  const box = $('fact-groups');
  clear(box);
  state.facts.clear();
  state.outcomes.clear();
  state.controls.clear();
  for (const o of vocabulary.outcomes ?? []) state.outcomes.set(o.name, o);
  const groups = new Map();
  for (const fact of vocabulary.facts ?? []) {
    if (!fact || typeof fact.name !== 'string') continue;
    state.facts.set(fact.name, fact);
    const group = fact.group ?? (fact.name.includes('.') ? fact.name.slice(0, fact.name.indexOf('.')) : 'other');
    if (!groups.has(group)) groups.set(group, []);
    groups.get(group).push(fact);
  }
  // The server lists groups by name; a caseworker reads a case person first, then the trip. Groups
  // not named here keep the server's order after these.
  const rank = (g) => {
    const i = GROUP_ORDER.indexOf(g);
    return i < 0 ? GROUP_ORDER.length : i;
  };
  const ordered = [...groups.entries()].sort(([a], [b]) => rank(a) - rank(b));
  for (const [group, facts] of ordered) {
    const fs = h('fieldset', { class: 'fact-group', 'data-group': group }, h('legend', null, humanise(group)));
    for (const fact of facts) {
      const control = factControl(fact);
      state.controls.set(fact.name, control);
      fs.append(control.container);
    }
    box.append(fs);
  }
  if (!groups.size) box.append(h('p', { class: 'hint' }, 'The rules declare no facts.'));
}

function setPath(obj, path, value) {
  const parts = path.split('.');
  let o = obj;
  for (const p of parts.slice(0, -1)) {
    if (!o[p] || typeof o[p] !== 'object') o[p] = {};
    o = o[p];
  }
  o[parts[parts.length - 1]] = value;
}

/** The case as JSON: unknown facts are left out. */
function caseFromForm() {
  const c = {};
  const id = $('case-id').value.trim();
  if (id) c.id = id;
  const date = $('case-date').value;
  if (date) c.date = date;
  for (const [name, control] of state.controls) {
    const v = control.read();
    if (v !== undefined) setPath(c, name, v);
  }
  return c;
}

/** Every leaf path of a case object, with its value (objects are walked; arrays and scalars are leaves). */
function leaves(obj, prefix = '') {
  const out = [];
  for (const [k, v] of Object.entries(obj)) {
    const path = prefix ? `${prefix}.${k}` : k;
    if (v && typeof v === 'object' && !Array.isArray(v) && !state.facts.has(path)) out.push(...leaves(v, path));
    else out.push([path, v]);
  }
  return out;
}

export function resetForm() {
  for (const control of state.controls.values()) control.reset();
  clearFieldErrors();
}

/** Fills the form from a JSON case; returns the paths the form cannot hold (then the file is sent as is). */
function fillForm(c) {
  resetForm();
  const unplaced = [];
  $('case-id').value = c.id === undefined || c.id === null ? '' : String(c.id);
  if (typeof c.date === 'string') $('case-date').value = c.date;
  for (const [path, value] of leaves(c)) {
    if (path === 'id' || path === 'date') continue;
    const control = state.controls.get(path);
    if (!control || !control.write(value)) unplaced.push(path);
  }
  return unplaced;
}

export function setFile(file) {
  state.file = file;
  const banner = $('file-banner');
  clear(banner);
  const disabled = Boolean(file);
  for (const fs of document.querySelectorAll('#fact-groups fieldset')) fs.disabled = disabled;
  if (!file) {
    banner.hidden = true;
    return;
  }
  banner.hidden = false;
  banner.append(
    h('p', null, 'Case file ', h('code', null, file.name), ` is loaded and is sent to the server as it is (${file.type === 'application/yaml' ? 'YAML' : 'JSON'}). `, file.reason ? rich(file.reason) : null),
    h('button', { type: 'button', id: 'use-form-button' }, 'Use the form instead'));
  $('use-form-button').addEventListener('click', () => {
    setFile(null);
    $('case-file').value = '';
  });
}

export async function loadCaseFile(file) {
  const box = $('eval-errors');
  clear(box);
  if (!file) return;
  const text = await file.text();
  const name = file.name || 'case';
  const looksJson = /\.json$/i.test(name) || file.type === 'application/json' || /^\s*[{[]/.test(text);
  if (!looksJson) {
    // YAML goes to the server as it is (the page has no YAML parser). Only its top-level `date:` is
    // read, so that the date picker, which overrides a case's date, starts at the file's own date.
    const date = text.match(/^date:[ \t]*["']?(\d{4}-\d{2}-\d{2})["']?[ \t]*(#.*)?$/m);
    $('case-date').value = date ? date[1] : '';
    setFile({ name, text, type: 'application/yaml' });
    return;
  }
  let c;
  try {
    c = JSON.parse(text);
  } catch (err) {
    showError(box, { error: { status: 400, message: `the file \`${name}\` is not JSON: ${err.message}` } }, 'Case file');
    return;
  }
  if (!c || typeof c !== 'object' || Array.isArray(c)) {
    showError(box, { error: { status: 400, message: `the file \`${name}\` does not hold one case (a JSON object)` } }, 'Case file');
    return;
  }
  const unplaced = fillForm(c);
  if (unplaced.length) {
    setFile({ name, text, type: 'application/json', reason: `The form cannot hold ${unplaced.map((p) => `\`${p}\``).join(', ')}, so the server will judge them.` });
  } else {
    setFile(null);
    const banner = $('file-banner');
    banner.hidden = false;
    banner.append(h('p', null, 'The form was filled from ', h('code', null, name), '.'));
  }
}

/** The body of the current case: the loaded file as is, or the form as JSON. */
export function currentCase() {
  if (state.file) return { body: state.file.text, type: state.file.type };
  return { body: JSON.stringify(caseFromForm()), type: 'application/json' };
}

export function clearFieldErrors() {
  for (const control of state.controls.values()) {
    control.error.hidden = true;
    clear(control.error);
    for (const i of control.inputs) i.removeAttribute('aria-invalid');
    control.container.classList.remove('invalid');
  }
}

export function markFieldErrors(problems) {
  let first = null;
  for (const p of problems) {
    const control = p.path ? state.controls.get(p.path) : null;
    if (!control) continue;
    control.error.hidden = false;
    control.error.append(rich(p.message), p.help ? h('span', null, ' ', rich(p.help)) : null);
    for (const i of control.inputs) i.setAttribute('aria-invalid', 'true');
    control.container.classList.add('invalid');
    first = first ?? control;
  }
  return first;
}
