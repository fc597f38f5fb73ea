// The history picture: POST /v1/history for the current case drawn as SVG bands, one row per
// outcome, with version boundaries and a tooltip that shows a band's period on hover and on focus.
// The server's CSP forbids style attributes: the tooltip's place is set through CSSOM (style.left).
// Not here: colours and axes (pictures.js), the case form (form.js).

import { $, clear, h, s } from './dom.js';
import { dayNumber, humanise, lastDay, longDate, plainValue, STATUS_WORDS } from './words.js';
import { api, query, showError } from './api.js';
import { state } from './state.js';
import { currentCase } from './form.js';
import { orderedOutcomes, statusLine } from './results.js';
import { patternDefs, stagger, swatch, truncate, valuePalette, yearTicks } from './pictures.js';

export async function drawHistory(event) {
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
