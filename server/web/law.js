// The law through time: GET /v1/timeline as SVG bars per rule set with a table of every version,
// and the rule explorer for one version (GET /v1/rule-sets/{id}/{version}). Links from rule files
// keep only http(s) URLs. Not here: colours and axes (pictures.js).

import { $, clear, h, rich, s, safeUrl } from './dom.js';
import { dayNumber, isoOfDay, lastDay, periodText, today } from './words.js';
import { api, showError } from './api.js';
import { state } from './state.js';
import { patternDefs, swatch, textOn, truncate, yearTicks } from './pictures.js';

export async function loadTimeline(force) {
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

export async function openVersion(id, version) {
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
