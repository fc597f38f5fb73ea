// The caseworker's page of `inforce serve`: the case form, results, history picture, law timeline,
// rule explorer, batch upload and rules status, all built from the server's /v1 API.
// Not here: any rule logic (the server decides everything) and any HTML parsing of data. Every
// text that comes from rule files or cases is untrusted: the DOM is built with createElement,
// textContent and setAttribute only, never innerHTML; links from rule files keep only http(s) URLs.
// The server's CSP forbids inline scripts and style attributes: positions are set through CSSOM
// (element.style.left), SVG geometry through attributes.
// URLs are relative ('v1/eval', not '/v1/eval') so that the page also works behind a reverse proxy
// that serves it under a path prefix.

const SVG_NS = 'http://www.w3.org/2000/svg';
const HEALTH_POLL_MS = 4000;
const DAY_MS = 86400000;

// ---------------------------------------------------------------- DOM helpers

/** Builds an element; `attrs.class` sets the class, other attrs go through setAttribute. */
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

function setAttrs(el, attrs) {
  if (!attrs) return;
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') el.setAttribute('class', v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

function clear(el) {
  while (el.firstChild) el.firstChild.remove();
}

/** Text with `backtick` spans as <code>, the way the server's messages quote names. */
function rich(text) {
  const frag = document.createDocumentFragment();
  String(text ?? '').split('`').forEach((part, i) => {
    if (!part) return;
    frag.append(i % 2 === 1 ? h('code', null, part) : document.createTextNode(part));
  });
  return frag;
}

const $ = (id) => document.getElementById(id);

/** Only absolute http(s) URLs from rule files become links; anything else stays text. */
function safeUrl(url) {
  try {
    const u = new URL(String(url));
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------- words and dates

function humanise(id) {
  const t = String(id ?? '').replace(/_/g, ' ').trim();
  return t ? t.charAt(0).toUpperCase() + t.slice(1) : t;
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const longDateFormat = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });

function dayNumber(iso) {
  return Date.parse(`${iso}T00:00:00Z`) / DAY_MS;
}

function isoOfDay(n) {
  return new Date(n * DAY_MS).toISOString().slice(0, 10);
}

/** The last day of a half-open period [from, until). */
function lastDay(until) {
  return isoOfDay(dayNumber(until) - 1);
}

function longDate(iso) {
  const t = Date.parse(`${iso}T00:00:00Z`);
  return Number.isNaN(t) ? String(iso) : longDateFormat.format(t);
}

function today() {
  return new Date().toISOString().slice(0, 10);
}

/** An outcome's value in plain words. */
function plainValue(value, type) {
  if (value === null || value === undefined) return type === 'date' ? 'None (no such date)' : 'None';
  if (typeof value === 'boolean') return value ? 'Yes' : 'No';
  if (Array.isArray(value)) return value.length ? value.map((v) => plainValue(v)).join(', ') : 'None (empty list)';
  if (typeof value === 'string' && ISO_DATE.test(value)) return `${longDate(value)} (${value})`;
  if (typeof value === 'string') return humanise(value);
  if (typeof value === 'number') return type === 'int' ? value.toLocaleString('en-GB') : String(value);
  return JSON.stringify(value);
}

function periodText(from, until) {
  return until ? `${from} – ${lastDay(until)}` : `${from} onwards`;
}

// ---------------------------------------------------------------- API

/** One request; resolves to {ok, status, data, digest}. Never rejects: a network failure is an error value. */
async function api(path, options = {}) {
  let res;
  try {
    res = await fetch(path, { headers: { accept: 'application/json' }, ...options });
  } catch (err) {
    return { ok: false, status: 0, data: { error: { status: 0, message: `the server could not be reached (${err.message})` } } };
  }
  const digest = res.headers.get('inforce-rules-digest');
  const text = await res.text();
  let data;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = res.ok ? text : { error: { status: res.status, message: text || res.statusText } };
  }
  if (!res.ok && !(data && data.error)) data = { error: { status: res.status, message: res.statusText } };
  return { ok: res.ok, status: res.status, data, digest };
}

function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, v);
  const t = q.toString();
  return t ? `?${t}` : '';
}

/** Shows a server error (the JSON error body) in `box`; returns the problems for field marking. */
function showError(box, data, context) {
  clear(box);
  const err = (data && data.error) || { message: 'unknown error' };
  const problems = Array.isArray(err.problems) ? err.problems : [];
  const kind = err.status === 422 ? 'The case does not fit the facts the rules declare'
    : err.status === 400 ? 'The input could not be read'
      : err.status === 413 ? 'The input is too large'
        : err.status === 503 ? 'The server is busy or shutting down'
          : err.status === 0 ? 'No answer from the server'
            : `The server answered with an error${err.status ? ` (${err.status})` : ''}`;
  // One problem that repeats the message is shown once, with its place.
  const repeated = problems.length === 1 && problems[0].message === err.message;
  const panel = h('div', { class: 'alert alert-danger', 'data-status': err.status ?? '' },
    h('h3', null, context ? `${context}: ${kind}` : kind),
    repeated ? null : h('p', { class: 'error-message' }, rich(err.message)),
    err.help && !repeated ? h('p', { class: 'error-help' }, h('strong', null, 'Help: '), rich(err.help)) : null,
    err.code ? h('p', { class: 'error-code' }, 'Code: ', h('code', null, err.code)) : null);
  if (problems.length) {
    panel.append(h('ul', { class: 'problems' }, problems.map((p) => h('li', { class: 'problem', 'data-path': p.path ?? '' },
      locationOf(p) ? h('span', { class: 'problem-where' }, locationOf(p), ': ') : null,
      rich(p.message),
      p.help ? h('span', { class: 'problem-help' }, h('strong', null, 'Help: '), rich(p.help)) : null))));
  }
  box.append(panel);
  return problems;
}

function locationOf(p) {
  const parts = [];
  if (p.path) parts.push(`field ${p.path}`);
  if (p.line) parts.push(`line ${p.line}${p.column ? `, column ${p.column}` : ''}`);
  // The server names a request's body "request body"; the page knows the file's own name.
  const file = p.file === 'request body' ? state.file?.name : p.file;
  if (file) parts.unshift(`file ${file}`);
  return parts.join(', ');
}

// ---------------------------------------------------------------- navigation

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

// ---------------------------------------------------------------- the case form

const state = {
  vocabulary: null,
  facts: new Map(), // name -> fact declaration
  outcomes: new Map(), // name -> outcome declaration
  controls: new Map(), // name -> control {read, write, reset, focus, container}
  file: null, // a case file sent as is: {name, text, type}
  lastResult: null,
  timelineLoaded: false,
};

function nullMeansNone(fact) {
  const nm = String(fact.null_means ?? '');
  return nm === 'none' || /no such thing|not happened/i.test(nm);
}

function nullMeaning(fact) {
  if (nullMeansNone(fact)) return 'Has not happened: there is no such event (sent as null).';
  return 'Left empty, the fact is unknown and is left out of the case.';
}

function fieldId(name) {
  return `fact-${String(name).replace(/[^A-Za-z0-9_-]/g, '-')}`;
}

/** The options of a fact whose values are declared: values, then code-list codes with their labels. */
function optionsOf(fact) {
  const opts = [];
  for (const v of fact.values ?? []) {
    const words = humanise(v).toLowerCase();
    opts.push({ value: String(v), label: words === String(v).toLowerCase() ? String(v) : `${v} (${words})` });
  }
  const codes = fact.codes && typeof fact.codes === 'object' ? Object.entries(fact.codes) : [];
  codes.sort(([a], [b]) => a.localeCompare(b));
  for (const [code, label] of codes) opts.push({ value: String(code), label: `${code} — ${label}` });
  return opts;
}

function allowedText(fact, opts) {
  if (fact.type === 'bool') return 'Yes or no.';
  if (fact.type === 'date') return 'A date.';
  if (fact.type === 'int') return 'A whole number.';
  if (!opts.length) return 'Any text.';
  const codes = fact.codes ? Object.keys(fact.codes).length : 0;
  if (codes) {
    const vals = (fact.values ?? []).map(String);
    return `One of ${codes} codes${vals.length ? `, or ${vals.join(', ')}` : ''}.`;
  }
  return fact.type === 'list' ? `Any of: ${opts.map((o) => o.value).join(', ')}.` : `One of: ${opts.map((o) => o.value).join(', ')}.`;
}

function factControl(fact) {
  const id = fieldId(fact.name);
  const short = fact.name.includes('.') ? fact.name.slice(fact.name.indexOf('.') + 1) : fact.name;
  const opts = optionsOf(fact);
  const descId = `${id}-desc`;
  const errId = `${id}-error`;
  const desc = h('p', { id: descId, class: 'help' },
    fact.description ? rich(fact.description) : null, ' ',
    h('span', { class: 'allowed' }, allowedText(fact, opts)), ' ',
    h('span', { class: 'null-means' }, nullMeaning(fact)));
  const error = h('p', { id: errId, class: 'field-error', hidden: true });
  const nameTag = h('code', { class: 'fact-name' }, fact.name);
  const container = h('div', { class: `fact fact-${fact.type}`, 'data-fact': fact.name });
  const describedBy = `${descId} ${errId}`;
  let control;

  if (fact.type === 'bool') {
    const radios = [['', 'Unknown'], ['true', 'Yes'], ['false', 'No']].map(([v, label], i) => {
      const rid = `${id}-${i}`;
      const input = h('input', { type: 'radio', id: rid, name: fact.name, value: v, 'aria-describedby': describedBy });
      if (v === '') input.checked = true;
      return { input, el: h('span', { class: 'choice' }, input, h('label', { for: rid }, label)) };
    });
    const fs = h('fieldset', { class: 'tristate' }, h('legend', null, humanise(short), ' ', nameTag), h('div', { class: 'choices' }, radios.map((r) => r.el)));
    container.append(fs, desc, error);
    control = {
      read: () => {
        const c = radios.find((r) => r.input.checked);
        return !c || c.input.value === '' ? undefined : c.input.value === 'true';
      },
      write: (v) => {
        const want = v === true ? 'true' : v === false ? 'false' : '';
        for (const r of radios) r.input.checked = r.input.value === want;
        return v === true || v === false || v === null;
      },
      focus: () => (radios.find((r) => r.input.checked) ?? radios[0]).input.focus(),
      inputs: radios.map((r) => r.input),
    };
  } else if (fact.type === 'list') {
    const unknownId = `${id}-unknown`;
    const knownId = `${id}-known`;
    const unknown = h('input', { type: 'radio', id: unknownId, name: `${fact.name}#state`, value: 'unknown' });
    const known = h('input', { type: 'radio', id: knownId, name: `${fact.name}#state`, value: 'known' });
    unknown.checked = true;
    const boxes = opts.map((o, i) => {
      const bid = `${id}-item-${i}`;
      const input = h('input', { type: 'checkbox', id: bid, value: o.value, 'aria-describedby': describedBy });
      input.addEventListener('change', () => {
        if (input.checked) known.checked = true;
      });
      return { input, el: h('span', { class: 'choice' }, input, h('label', { for: bid }, o.label)) };
    });
    unknown.addEventListener('change', () => {
      if (unknown.checked) for (const b of boxes) b.input.checked = false;
    });
    const fs = h('fieldset', { class: 'list-choice' }, h('legend', null, humanise(short), ' ', nameTag),
      h('div', { class: 'choices' },
        h('span', { class: 'choice' }, unknown, h('label', { for: unknownId }, 'Unknown')),
        h('span', { class: 'choice' }, known, h('label', { for: knownId }, 'Known: the ticked ones (none ticked: an empty list)'))),
      h('div', { class: 'choices items' }, boxes.map((b) => b.el)));
    container.append(fs, desc, error);
    control = {
      read: () => (known.checked ? boxes.filter((b) => b.input.checked).map((b) => b.input.value) : undefined),
      write: (v) => {
        if (!Array.isArray(v)) {
          unknown.checked = true;
          for (const b of boxes) b.input.checked = false;
          return v === null;
        }
        known.checked = true;
        for (const b of boxes) b.input.checked = v.map(String).includes(b.input.value);
        return v.every((x) => boxes.some((b) => b.input.value === String(x)));
      },
      focus: () => (known.checked ? known : unknown).focus(),
      inputs: [unknown, known, ...boxes.map((b) => b.input)],
    };
  } else if (opts.length) {
    const select = h('select', { id, name: fact.name, 'aria-describedby': describedBy },
      h('option', { value: '' }, 'Unknown'),
      opts.map((o) => h('option', { value: o.value }, o.label)));
    container.append(h('label', { for: id }, humanise(short), ' ', nameTag), select, desc, error);
    control = {
      read: () => (select.value === '' ? undefined : select.value),
      write: (v) => {
        if (v === null || v === undefined) {
          select.value = '';
          return true;
        }
        select.value = String(v);
        return select.value === String(v);
      },
      focus: () => select.focus(),
      inputs: [select],
    };
  } else {
    const type = fact.type === 'date' ? 'date' : fact.type === 'int' ? 'number' : 'text';
    const input = h('input', { id, name: fact.name, type, 'aria-describedby': describedBy, step: type === 'number' ? '1' : null, autocomplete: 'off' });
    const label = h('label', { for: id }, humanise(short), ' ', nameTag);
    let none = null;
    if (fact.type === 'date' && nullMeansNone(fact)) {
      const nid = `${id}-none`;
      none = h('input', { type: 'checkbox', id: nid, 'aria-describedby': describedBy });
      none.addEventListener('change', () => {
        input.disabled = none.checked;
        if (none.checked) input.value = '';
      });
      container.append(label, h('div', { class: 'date-with-none' }, input,
        h('span', { class: 'choice' }, none, h('label', { for: nid }, 'Has not happened'))), desc, error);
    } else {
      container.append(label, input, desc, error);
    }
    control = {
      read: () => {
        if (none && none.checked) return null;
        if (input.value === '') return undefined;
        if (fact.type === 'int') return Number.parseInt(input.value, 10);
        return input.value;
      },
      write: (v) => {
        if (none) {
          none.checked = v === null;
          input.disabled = v === null;
        }
        input.value = v === null || v === undefined ? '' : String(v);
        return v === null || v === undefined || input.value === String(v);
      },
      focus: () => ((none && none.checked) ? none : input).focus(),
      inputs: [input, ...(none ? [none] : [])],
    };
  }
  control.container = container;
  control.error = error;
  control.reset = () => control.write(undefined);
  return control;
}

const GROUP_ORDER = ['person', 'trip', 'restrictions', 'application'];

function buildForm(vocabulary) {
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

function resetForm() {
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

function setFile(file) {
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

async function loadCaseFile(file) {
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
function currentCase() {
  if (state.file) return { body: state.file.text, type: state.file.type };
  return { body: JSON.stringify(caseFromForm()), type: 'application/json' };
}

function clearFieldErrors() {
  for (const control of state.controls.values()) {
    control.error.hidden = true;
    clear(control.error);
    for (const i of control.inputs) i.removeAttribute('aria-invalid');
    control.container.classList.remove('invalid');
  }
}

function markFieldErrors(problems) {
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

// ---------------------------------------------------------------- results

const STATUS_WORDS = {
  decided: 'Decided',
  undetermined: 'Not determined',
  missing_facts: 'Missing facts',
  conflict: 'Conflict',
};

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

function statusLine(name, o) {
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

function orderedOutcomes(outcomes) {
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

async function evaluate(event) {
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

// ---------------------------------------------------------------- colours and patterns for pictures

// Okabe-Ito colours: distinguishable with the common colour-vision deficiencies. Colour is never the only
// cue: bands carry text, a pattern for each non-decided status, and a tooltip.
const VALUE_COLOURS = ['#0072B2', '#CC79A7', '#56B4E9', '#E69F00', '#F0E442', '#999999', '#882255', '#44AA99'];

function luminance(hex) {
  const n = Number.parseInt(hex.slice(1), 16);
  const lin = (c) => {
    const v = c / 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin((n >> 16) & 255) + 0.7152 * lin((n >> 8) & 255) + 0.0722 * lin(n & 255);
}

/** Black or white text, whichever contrasts more with a solid fill (WCAG's contrast ratio). */
function textOn(fill) {
  if (!/^#[0-9a-f]{6}$/i.test(fill)) return '#1a1a1a';
  const l = luminance(fill);
  return (1.05 / (l + 0.05)) >= ((l + 0.05) / (luminance('#1a1a1a') + 0.05)) ? '#ffffff' : '#1a1a1a';
}

function patternDefs() {
  return s('defs', null,
    s('pattern', { id: 'pat-undetermined', patternUnits: 'userSpaceOnUse', width: 8, height: 8, patternTransform: 'rotate(45)' },
      s('rect', { width: 8, height: 8, fill: '#e8e8e8' }), s('line', { x1: 0, y1: 0, x2: 0, y2: 8, stroke: '#8a8a8a', 'stroke-width': 3 })),
    s('pattern', { id: 'pat-missing', patternUnits: 'userSpaceOnUse', width: 8, height: 8 },
      s('rect', { width: 8, height: 8, fill: '#fff4d6' }), s('circle', { cx: 4, cy: 4, r: 1.8, fill: '#a86b00' })),
    s('pattern', { id: 'pat-conflict', patternUnits: 'userSpaceOnUse', width: 8, height: 8 },
      s('rect', { width: 8, height: 8, fill: '#f3d9e6' }), s('path', { d: 'M0 0L8 8M8 0L0 8', stroke: '#6a1b4d', 'stroke-width': 1.5 })),
    s('pattern', { id: 'pat-repealed', patternUnits: 'userSpaceOnUse', width: 10, height: 10, patternTransform: 'rotate(-45)' },
      s('rect', { width: 10, height: 10, fill: '#fbe3d6' }), s('line', { x1: 0, y1: 0, x2: 0, y2: 10, stroke: '#D55E00', 'stroke-width': 4 })),
    s('pattern', { id: 'pat-gap', patternUnits: 'userSpaceOnUse', width: 6, height: 6 },
      s('rect', { width: 6, height: 6, fill: '#ffffff' }), s('circle', { cx: 3, cy: 3, r: 0.9, fill: '#777777' })));
}

const STATUS_STYLE = {
  undetermined: { fill: 'url(#pat-undetermined)', text: '#1a1a1a', label: 'Not determined (grey, striped)' },
  missing_facts: { fill: 'url(#pat-missing)', text: '#1a1a1a', label: 'Missing facts (pale yellow, dotted)' },
  conflict: { fill: 'url(#pat-conflict)', text: '#1a1a1a', label: 'Conflict (pink, crossed)' },
};

/** Gives each decided value a colour in order of appearance; yes and no are fixed. */
function valuePalette() {
  const map = new Map();
  let next = 0;
  return (o, type) => {
    if (o.status !== 'decided') return STATUS_STYLE[o.status] ?? STATUS_STYLE.undetermined;
    const key = JSON.stringify(o.value);
    if (!map.has(key)) {
      let fill;
      if (o.value === true) fill = '#009E73';
      else if (o.value === false) fill = '#D55E00';
      else fill = VALUE_COLOURS[next++ % VALUE_COLOURS.length];
      map.set(key, { fill, text: textOn(fill), label: `Decided: ${plainValue(o.value, type)}` });
    }
    return map.get(key);
  };
}

function swatch(fill) {
  return s('svg', { width: 28, height: 16, viewBox: '0 0 28 16', 'aria-hidden': 'true', class: 'swatch' },
    s('rect', { x: 0.5, y: 0.5, width: 27, height: 15, fill, stroke: '#333' }));
}

function yearTicks(d0, d1) {
  const y0 = Number(isoOfDay(d0).slice(0, 4));
  const y1 = Number(isoOfDay(d1).slice(0, 4));
  const span = Math.max(1, y1 - y0);
  const step = [1, 2, 5, 10, 20, 50, 100].find((st) => span / st <= 10) ?? 100;
  const ticks = [];
  for (let y = Math.ceil(y0 / step) * step; y <= y1; y += step) {
    const d = dayNumber(`${String(y).padStart(4, '0')}-01-01`);
    if (d >= d0 && d <= d1) ticks.push({ d, label: String(y) });
  }
  return ticks;
}

/** Places labels on rows so that they do not overlap; returns the number of rows used. */
function stagger(items, charWidth, maxWidth) {
  const rowsEnd = [];
  for (const it of items) {
    const w = Math.min(it.text.length * charWidth, maxWidth) + 8;
    let row = rowsEnd.findIndex((end) => end < it.x);
    if (row < 0) {
      row = rowsEnd.length;
      rowsEnd.push(0);
    }
    rowsEnd[row] = it.x + w;
    it.row = row;
    it.width = w - 8;
  }
  return rowsEnd.length;
}

function truncate(text, width, charWidth) {
  const max = Math.max(3, Math.floor(width / charWidth));
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

// ---------------------------------------------------------------- history picture

async function drawHistory(event) {
  event.preventDefault();
  const errors = $('history-errors');
  const out = $('history-output');
  clear(errors);
  const from = $('history-from').value;
  const to = $('history-to').value;
  if (!from || !to) {
    showError(errors, { error: { status: 400, message: 'choose both dates of the range' } }, 'History');
    return;
  }
  clear(out);
  out.append(h('p', { class: 'hint', role: 'status' }, 'Reading the case on every day of the range…'));
  const request = currentCase();
  const res = await api(`v1/history${query({ from, to })}`, { method: 'POST', headers: { 'content-type': request.type, accept: 'application/json' }, body: request.body });
  clear(out);
  if (!res.ok) {
    showError(errors, res.data, 'History');
    return;
  }
  renderHistory(out, res.data);
}

function sameResult(a, b) {
  return JSON.stringify(a) === JSON.stringify(b);
}

function renderHistory(out, hist) {
  const periods = hist.periods ?? [];
  if (!periods.length) {
    out.append(h('p', null, 'No period in this range.'));
    return;
  }
  const d0 = dayNumber(periods[0].from);
  const d1 = dayNumber(periods[periods.length - 1].until);
  const names = orderedOutcomes(Object.fromEntries(periods.flatMap((p) => Object.keys(p.outcomes ?? {}).map((n) => [n, true]))));

  // Bands: consecutive periods with the same result of an outcome are one band.
  const bands = [];
  for (const name of names) {
    let cur = null;
    for (const p of periods) {
      const o = (p.outcomes ?? {})[name];
      if (cur && o && sameResult(cur.o, o) && cur.until === p.from) {
        cur.until = p.until;
        continue;
      }
      cur = o ? { name, o, from: p.from, until: p.until } : null;
      if (cur) bands.push(cur);
    }
  }

  // Version boundaries: a rule set whose version starts inside the range, or one that stops applying.
  const marks = new Map();
  const addMark = (date, text) => {
    if (!marks.has(date)) marks.set(date, []);
    if (!marks.get(date).includes(text)) marks.get(date).push(text);
  };
  periods.forEach((p, i) => {
    const prev = i > 0 ? periods[i - 1] : null;
    for (const rs of p.rule_sets ?? []) {
      const starts = rs.in_force && rs.in_force.from === p.from;
      const wasThere = prev && (prev.rule_sets ?? []).some((q) => q.id === rs.id && q.version === rs.version);
      if (starts && !wasThere) addMark(p.from, `${rs.source ?? rs.title ?? rs.id}${rs.repeal ? ' (repeal)' : ''}`);
    }
    if (prev) {
      for (const q of prev.rule_sets ?? []) {
        if (!(p.rule_sets ?? []).some((rs) => rs.id === q.id)) addMark(p.from, `${q.id} ${q.version} ceases to be in force`);
      }
    }
  });

  const labelW = 230;
  const chartW = 700;
  const rowH = 30;
  const bandH = 22;
  const charW = 6.2;
  const x = (iso) => labelW + ((dayNumber(iso) - d0) / Math.max(1, d1 - d0)) * chartW;
  const markItems = [...marks.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([date, texts]) => ({ date, x: x(date), text: `${date}: ${texts.join('; ')}`, full: texts }));
  const labelRows = stagger(markItems, charW, 300);
  const topH = 10 + labelRows * 15;
  const height = topH + names.length * rowH + 34;
  const width = labelW + chartW + 20;
  const palette = valuePalette();

  const svgEl = s('svg', { class: 'history-svg', viewBox: `0 0 ${width} ${height}`, width, height, role: 'group', 'aria-label': `History of ${names.length} outcomes from ${hist.from} to ${hist.to}` }, patternDefs());
  // Row labels and bands.
  names.forEach((name, i) => {
    const y = topH + i * rowH;
    svgEl.append(s('text', { x: labelW - 8, y: y + bandH / 2 + 5, 'text-anchor': 'end', class: 'row-label' }, name));
    svgEl.append(s('line', { x1: labelW, x2: labelW + chartW, y1: y + rowH - 3, y2: y + rowH - 3, class: 'row-rule' }));
  });
  const legend = new Map();
  for (const band of bands) {
    const i = names.indexOf(band.name);
    const y = topH + i * rowH;
    const bx = x(band.from);
    const bw = Math.max(1.5, x(band.until) - bx);
    const type = state.outcomes.get(band.name)?.type;
    const style = palette(band.o, type);
    legend.set(style.label, style);
    const word = band.o.status === 'decided' ? plainValue(band.o.value, type) : STATUS_WORDS[band.o.status] ?? band.o.status;
    const summary = `${band.name}: ${band.from} to ${lastDay(band.until)}. ${STATUS_WORDS[band.o.status] ?? band.o.status}${band.o.status === 'decided' ? `: ${word}` : ''}`;
    const g = s('g', { class: 'band', tabindex: 0, role: 'img', 'aria-label': summary, 'aria-describedby': 'history-tip', 'data-outcome': band.name, 'data-from': band.from, 'data-until': band.until, 'data-last-day': lastDay(band.until), 'data-status': band.o.status },
      s('rect', { x: bx, y, width: bw, height: bandH, fill: style.fill, class: 'band-rect' }),
      bw > 30 ? s('text', { x: bx + 5, y: y + bandH / 2 + 4.5, fill: style.text, class: 'band-text' }, truncate(word, bw - 10, charW)) : null);
    g.addEventListener('mouseenter', () => showTip(g, band));
    g.addEventListener('focus', () => showTip(g, band));
    g.addEventListener('mouseleave', () => hideTip(g));
    g.addEventListener('blur', () => hideTip(g));
    svgEl.append(g);
  }
  // Version boundaries and their acts.
  for (const m of markItems) {
    const ly = 12 + m.row * 15;
    svgEl.append(s('g', { class: 'boundary', 'data-date': m.date },
      s('title', null, m.text),
      s('line', { x1: m.x, x2: m.x, y1: ly - 10, y2: topH + names.length * rowH, class: 'boundary-line' }),
      s('text', { x: m.x + 3, y: ly, class: 'boundary-label' }, truncate(m.text, m.width, charW))));
  }
  // Time axis.
  const axisY = topH + names.length * rowH + 4;
  svgEl.append(s('line', { x1: labelW, x2: labelW + chartW, y1: axisY, y2: axisY, class: 'axis' }));
  for (const t of yearTicks(d0, d1)) {
    const tx = labelW + ((t.d - d0) / Math.max(1, d1 - d0)) * chartW;
    svgEl.append(s('line', { x1: tx, x2: tx, y1: axisY, y2: axisY + 5, class: 'axis' }), s('text', { x: tx, y: axisY + 18, 'text-anchor': 'middle', class: 'tick' }, t.label));
  }

  out.append(
    h('p', { class: 'summary' }, `Case `, h('code', null, String(hist.case ?? '')), ` from ${longDate(hist.from)} to ${longDate(hist.to)}: ${periods.length} periods, ${hist.full_evaluations ?? '?'} full evaluations for ${hist.days ?? '?'} days.`),
    h('div', { class: 'svg-scroll' }, svgEl),
    h('h3', null, 'Legend'),
    h('ul', { class: 'legend' }, [...legend.values()].map((st) => h('li', null, swatch(st.fill), ' ', st.label))),
    h('p', { class: 'hint' }, 'Focus a band with the Tab key, or point at it, to read its period and why.'),
  );
  if (markItems.length) {
    out.append(h('h3', null, 'Versions that take effect in this range'),
      h('ul', { class: 'boundaries' }, markItems.map((m) => h('li', null, h('strong', null, longDate(m.date)), ': ', m.full.join('; ')))));
  }
}

function showTip(anchor, band) {
  const tip = $('history-tip');
  clear(tip);
  const type = state.outcomes.get(band.name)?.type;
  const o = band.o;
  tip.append(
    h('p', { class: 'tip-title' }, h('strong', null, humanise(band.name)), ' ', h('code', null, band.name)),
    h('p', { class: 'tip-period' }, `${band.from} – ${lastDay(band.until)}`, ` (${longDate(band.from)} to ${longDate(lastDay(band.until))}, last day included)`),
    ...statusLine(band.name, o).map((el) => {
      for (const b of el.querySelectorAll('button')) b.remove();
      return el;
    }),
  );
  if (Array.isArray(o.by) && o.by.length) {
    tip.append(h('p', { class: 'tip-by' }, 'Rests on: ', o.by.map((b, i) => [i ? '; ' : '', b.cite ?? b.rule, ` (${b.rule_set} ${b.version})`])));
  }
  void type;
  tip.hidden = false;
  const host = $('history').getBoundingClientRect();
  const r = anchor.getBoundingClientRect();
  const left = Math.max(0, Math.min(r.left - host.left, host.width - 380));
  tip.style.left = `${left}px`;
  tip.style.top = `${r.bottom - host.top + 6}px`;
  tip.dataset.outcome = band.name;
  tip.dataset.from = band.from;
}

function hideTip(anchor) {
  const tip = $('history-tip');
  // Keep the tip while the band still has focus or the pointer (a blur after mouseleave, or the reverse).
  if (document.activeElement === anchor || anchor.matches(':hover')) return;
  tip.hidden = true;
}

// ---------------------------------------------------------------- the law through time

async function loadTimeline(force) {
  if (state.timelineLoaded && !force) return;
  state.timelineLoaded = true;
  const out = $('timeline-output');
  const errors = $('law-errors');
  clear(errors);
  clear(out);
  out.append(h('p', { class: 'hint', role: 'status' }, 'Loading the timeline…'));
  const res = await api('v1/timeline');
  clear(out);
  if (!res.ok) {
    state.timelineLoaded = false;
    showError(errors, res.data, 'Timeline');
    return;
  }
  renderTimeline(out, res.data);
}

function renderTimeline(out, tl) {
  const sets = tl.rule_sets ?? [];
  const all = sets.flatMap((rs) => rs.periods ?? []);
  if (!all.length) {
    out.append(h('p', null, 'The rules hold no rule set.'));
    return;
  }
  const starts = all.map((p) => dayNumber(p.from));
  const ends = all.filter((p) => p.until).map((p) => dayNumber(p.until));
  const d0 = dayNumber(`${isoOfDay(Math.min(...starts)).slice(0, 4)}-01-01`);
  const latest = Math.max(...starts, ...ends, dayNumber(today()));
  const d1 = dayNumber(`${Number(isoOfDay(latest).slice(0, 4)) + 2}-01-01`);
  const labelW = 230;
  const chartW = 700;
  const rowH = 40;
  const bandH = 28;
  const charW = 6.2;
  const x = (iso) => labelW + ((dayNumber(iso) - d0) / (d1 - d0)) * chartW;
  const height = 16 + sets.length * rowH + 30;
  const width = labelW + chartW + 20;
  // The grid goes first so that bands and their labels are drawn over it.
  const grid = s('g', { class: 'grid-layer', 'aria-hidden': 'true' });
  const svgEl = s('svg', { class: 'timeline-svg', viewBox: `0 0 ${width} ${height}`, width, height, role: 'group', 'aria-label': `Versions of ${sets.length} rule sets on a time axis` }, patternDefs(), grid);
  const rows = [];
  sets.forEach((rs, i) => {
    const y = 12 + i * rowH;
    svgEl.append(s('text', { x: labelW - 8, y: y + bandH / 2 + 5, 'text-anchor': 'end', class: 'row-label' }, rs.id));
    let shade = 0;
    (rs.periods ?? []).forEach((p) => {
      const bx = x(p.from);
      const bw = Math.max(2, (p.until ? x(p.until) : labelW + chartW) - bx);
      const kind = p.kind;
      // Versions in force alternate two shades, so that two in a row are told apart.
      const fill = kind === 'repealed' ? 'url(#pat-repealed)' : kind === 'gap' ? 'url(#pat-gap)' : shade++ % 2 ? '#56B4E9' : '#0072B2';
      const textFill = textOn(fill);
      const word = kind === 'repealed' ? 'repealed' : kind === 'gap' ? 'gap' : `${p.version}`;
      const openable = Boolean(p.version) && kind !== 'gap';
      const label = `${rs.id}${p.version ? ` version ${p.version}` : ''}: ${kind === 'repealed' ? 'repealed' : kind === 'gap' ? 'gap, no version in force' : 'in force'} ${periodText(p.from, p.until)}${p.title ? `. ${p.title}` : ''}${openable ? '. Press Enter to open its rules.' : ''}`;
      const g = s('g', { class: `version kind-${kind}`, 'data-rule-set': rs.id, 'data-version': p.version ?? '', 'data-kind': kind, 'data-from': p.from, tabindex: openable ? 0 : -1, role: openable ? 'button' : 'img', 'aria-label': label },
        s('title', null, label),
        s('rect', { x: bx, y, width: bw, height: bandH, fill, class: 'version-rect' }),
        bw > 24 ? s('text', { x: bx + 5, y: y + bandH / 2 + 4.5, fill: textFill, class: 'band-text' }, truncate(word, bw - 10, charW)) : null,
        p.until ? null : s('text', { x: labelW + chartW + 2, y: y + bandH / 2 + 4.5, class: 'tick' }, '→'));
      if (openable) {
        g.addEventListener('click', () => openVersion(rs.id, p.version));
        g.addEventListener('keydown', (e) => {
          if (e.key === 'Enter' || e.key === ' ') {
            e.preventDefault();
            openVersion(rs.id, p.version);
          }
        });
      }
      svgEl.append(g);
      rows.push({ id: rs.id, p });
    });
  });
  const axisY = 12 + sets.length * rowH;
  svgEl.append(s('line', { x1: labelW, x2: labelW + chartW, y1: axisY, y2: axisY, class: 'axis' }));
  for (const t of yearTicks(d0, d1)) {
    const tx = labelW + ((t.d - d0) / (d1 - d0)) * chartW;
    grid.append(s('line', { x1: tx, x2: tx, y1: 8, y2: axisY + 5, class: 'grid' }));
    svgEl.append(s('text', { x: tx, y: axisY + 18, 'text-anchor': 'middle', class: 'tick' }, t.label));
  }
  const tx = x(today());
  grid.append(s('line', { x1: tx, x2: tx, y1: 4, y2: axisY, class: 'today-line' }), s('text', { x: tx + 3, y: 10, class: 'tick' }, 'today'));

  out.append(
    h('p', { class: 'summary' }, `${sets.length} rule sets. Rules digest `, h('code', null, String(tl.rules?.digest ?? '').slice(0, 12)), '.'),
    h('div', { class: 'svg-scroll' }, svgEl),
    h('ul', { class: 'legend' },
      h('li', null, swatch('#0072B2'), swatch('#56B4E9'), ' In force (consecutive versions alternate shades; the version is written in the band)'),
      h('li', null, swatch('url(#pat-repealed)'), ' Repealed: a version that ends the rule set (striped, labelled “repealed”)'),
      h('li', null, swatch('url(#pat-gap)'), ' Gap: no version in force (dotted, labelled “gap”)'),
      h('li', null, '→ no end date recorded')),
    h('h3', null, 'Every version'),
    h('div', { class: 'table-wrap' }, h('table', { class: 'versions' },
      h('caption', { class: 'visually-hidden' }, 'Every version of every rule set'),
      h('thead', null, h('tr', null, ['Rule set', 'Version', 'Kind', 'From', 'Last day', 'Rules', 'Act', ''].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', null, rows.map(({ id, p }) => h('tr', { class: `kind-${p.kind}` },
        h('td', { class: 'nowrap' }, h('code', null, id)),
        h('td', { class: 'nowrap' }, p.version ?? '—'),
        h('td', { class: 'nowrap' }, p.kind === 'in_force' ? 'in force' : p.kind),
        h('td', { class: 'nowrap' }, p.from),
        h('td', { class: 'nowrap' }, p.until ? lastDay(p.until) : 'no end recorded'),
        h('td', null, String(p.rules ?? '')),
        h('td', null, p.source ?? ''),
        h('td', null, p.version && p.kind !== 'gap' ? h('button', { type: 'button', class: 'open-version', 'data-rule-set': id, 'data-version': p.version }, 'Open') : null)))))));
}

async function openVersion(id, version) {
  const body = $('explorer-body');
  const errors = $('law-errors');
  clear(errors);
  $('explorer-empty').hidden = true;
  clear(body);
  body.append(h('p', { class: 'hint', role: 'status' }, `Loading ${id} version ${version}…`));
  const res = await api(`v1/rule-sets/${encodeURIComponent(id)}/${encodeURIComponent(version)}`);
  clear(body);
  if (!res.ok) {
    showError(body, res.data, 'Rule explorer');
    return;
  }
  renderVersion(body, res.data);
  const explorer = $('explorer');
  explorer.focus();
  explorer.scrollIntoView({ block: 'start' });
}

function renderVersion(body, v) {
  // The server names the list `rule_list`, because `rules` is the tree's {source, digest} in every answer.
  const rules = Array.isArray(v.rule_list) ? v.rule_list : Array.isArray(v.rules) ? v.rules : [];
  const src = v.source ?? {};
  const url = src.url ? safeUrl(src.url) : null;
  const dl = h('dl', { class: 'facts-list' });
  const row = (term, ...def) => dl.append(h('dt', null, term), h('dd', null, ...def));
  row('Rule set', h('code', null, v.id ?? ''));
  row('Version', v.version ?? '');
  row('In force', periodText(v.in_force?.from, v.in_force?.until));
  row('Act', src.act ?? '', src.number ? ` (No. ${src.number})` : '', src.date ? `, dated ${src.date}` : '');
  if (src.url) row('Link', url ? h('a', { href: url, rel: 'noreferrer noopener', target: '_blank' }, url) : h('span', null, String(src.url), ' (not a web address; not linked)'));
  if (src.read_at) row('Read at', src.read_at);
  if (v.file) row('File', h('code', null, v.file));
  if (v.repeal) row('Repeal', 'Repeals ', v.repeal.repeals ?? '', v.repeal.note ? [h('br'), v.repeal.note] : null);
  if (v.applies_when) row('Applies when', h('code', { class: 'condition' }, v.applies_when));
  body.append(h('article', { class: 'version-detail', 'data-rule-set': v.id ?? '', 'data-version': v.version ?? '' },
    h('h4', { class: 'version-title' }, v.title ?? `${v.id} ${v.version}`),
    dl,
    (v.notes ?? []).length ? [h('h5', null, 'Notes'), h('ul', { class: 'notes' }, v.notes.map((n) => h('li', null, rich(n))))] : null,
    h('h5', null, `Rules (${rules.length})`),
    rules.length ? h('ol', { class: 'rules' }, rules.map((r) => h('li', { class: 'rule', 'data-rule': r.id ?? '' },
      h('p', { class: 'rule-head' }, h('code', { class: 'rule-id' }, r.id ?? '')),
      h('p', { class: 'cite' }, h('span', { class: 'label' }, 'Cite: '), r.cite ?? '—'),
      r.summary ? h('p', { class: 'rule-summary' }, rich(r.summary)) : null,
      r.note ? h('p', { class: 'rule-note' }, h('span', { class: 'label' }, 'Note: '), rich(r.note)) : null,
      r.when ? h('p', { class: 'rule-when' }, h('span', { class: 'label' }, 'When: '), h('code', { class: 'condition' }, r.when)) : null,
      r.then && Object.keys(r.then).length ? h('p', { class: 'rule-then' }, h('span', { class: 'label' }, 'Then: '),
        Object.entries(r.then).map(([k, val], i) => [i ? '; ' : '', h('code', null, k), ' = ', typeof val === 'string' ? val : JSON.stringify(val)])) : null,
      (r.exception_to ?? []).length ? h('p', { class: 'rule-exception' }, h('span', { class: 'label' }, 'Exception to: '), r.exception_to.map((e, i) => [i ? ', ' : '', h('code', null, e)])) : null))) : h('p', null, 'This version holds no rules.')));
}

// ---------------------------------------------------------------- batch

async function runBatch(event) {
  event.preventDefault();
  const errors = $('batch-errors');
  clear(errors);
  const file = $('batch-file').files[0];
  if (!file) {
    showError(errors, { error: { status: 400, message: 'choose a JSON Lines file first' } }, 'Batch');
    return;
  }
  const text = await file.text();
  const lines = text.split('\n');
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  const total = lines.length;
  const meter = $('batch-meter');
  const count = $('batch-count');
  const download = $('batch-download');
  const oldLink = download.querySelector('a');
  if (oldLink) URL.revokeObjectURL(oldLink.href);
  clear(download);
  download.hidden = true;
  $('batch-progress').hidden = false;
  meter.max = Math.max(1, total);
  meter.value = 0;
  count.textContent = `0 of ${total} lines done`;
  const button = $('batch-button');
  button.disabled = true;
  try {
    let res;
    try {
      res = await fetch(`v1/batch${query({ date: $('batch-date').value })}`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson', accept: 'application/x-ndjson' }, body: file });
    } catch (err) {
      showError(errors, { error: { status: 0, message: `the server could not be reached (${err.message})` } }, 'Batch');
      return;
    }
    if (!res.ok || !res.body) {
      const t = await res.text();
      let data;
      try {
        data = JSON.parse(t);
      } catch {
        data = { error: { status: res.status, message: t || res.statusText } };
      }
      showError(errors, data, 'Batch');
      return;
    }
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    const chunks = [];
    let done = 0;
    let errorLines = 0;
    let partial = '';
    for (;;) {
      const { value, done: end } = await reader.read();
      if (end) break;
      chunks.push(value);
      partial += decoder.decode(value, { stream: true });
      let nl;
      while ((nl = partial.indexOf('\n')) >= 0) {
        const line = partial.slice(0, nl);
        partial = partial.slice(nl + 1);
        done += 1;
        if (isErrorLine(line)) errorLines += 1;
      }
      meter.value = done;
      count.textContent = `${done} of ${total} lines done${errorLines ? `, ${errorLines} error lines` : ''}`;
    }
    partial += decoder.decode();
    if (partial.trim()) {
      done += 1;
      if (isErrorLine(partial)) errorLines += 1;
    }
    meter.value = done;
    const complete = done === total;
    count.textContent = `${done} of ${total} lines done, ${errorLines} error line${errorLines === 1 ? '' : 's'}.`;
    if (!complete) {
      showError(errors, { error: { status: res.status, message: `the response ended after ${done} of ${total} lines: the results are incomplete` } }, 'Batch');
    }
    const blob = new Blob(chunks, { type: 'application/x-ndjson' });
    const name = `${file.name.replace(/\.[^.]*$/, '') || 'cases'}.results.jsonl`;
    download.append(h('a', { href: URL.createObjectURL(blob), download: name, id: 'batch-download-link', class: 'button-link' }, `Download the results (${name}, ${done} lines)`));
    download.hidden = false;
  } finally {
    button.disabled = false;
  }
}

function isErrorLine(line) {
  try {
    const v = JSON.parse(line);
    return Boolean(v && typeof v === 'object' && 'error' in v && !('outcomes' in v));
  } catch {
    return true;
  }
}

// ---------------------------------------------------------------- rules status

let healthInFlight = false;
let lastHealth = null;

async function pollHealth() {
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

// ---------------------------------------------------------------- start

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
  pollHealth();
  setInterval(pollHealth, HEALTH_POLL_MS);
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
