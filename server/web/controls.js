// One control per declared fact: yes/no/unknown radios, lists as checkboxes with unknown apart from
// empty, selects for declared values and code lists, dates with "has not happened". Each control can
// read, write, reset and focus its value. Not here: the form around them (form.js).

import { h, rich } from './dom.js';
import { humanise } from './words.js';

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

export function factControl(fact) {
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
