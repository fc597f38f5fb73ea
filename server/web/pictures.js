// What the SVG pictures share: Okabe-Ito colours, patterns for statuses, repeals and gaps, text colour
// by contrast, year ticks, label placement. The server's CSP forbids style attributes: SVG geometry is
// set through attributes. Not here: either picture (history.js, law.js).

import { s } from './dom.js';
import { dayNumber, isoOfDay, plainValue } from './words.js';

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
export function textOn(fill) {
  if (!/^#[0-9a-f]{6}$/i.test(fill)) return '#1a1a1a';
  const l = luminance(fill);
  return (1.05 / (l + 0.05)) >= ((l + 0.05) / (luminance('#1a1a1a') + 0.05)) ? '#ffffff' : '#1a1a1a';
}

export function patternDefs() {
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
export function valuePalette() {
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

export function swatch(fill) {
  return s('svg', { width: 28, height: 16, viewBox: '0 0 28 16', 'aria-hidden': 'true', class: 'swatch' },
    s('rect', { x: 0.5, y: 0.5, width: 27, height: 15, fill, stroke: '#333' }));
}

export function yearTicks(d0, d1) {
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
export function stagger(items, charWidth, maxWidth) {
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

export function truncate(text, width, charWidth) {
  const max = Math.max(3, Math.floor(width / charWidth));
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
