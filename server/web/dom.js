// The page's only way to make elements: h() for HTML, s() for SVG, rich() for server text with
// `backtick` names. Text from rule files and cases is untrusted, so everything goes through
// createElement, textContent and setAttribute; there is no innerHTML or other HTML or code sink in
// any module of the page. Not here: what the page shows (the section modules).

const SVG_NS = 'http://www.w3.org/2000/svg';

/** Builds an element; `attrs.class` sets the class, other attrs go through setAttribute. */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

export function s(tag, attrs, ...children) {
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

export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
}

/** Text with `backtick` spans as <code>, the way the server's messages quote names. */
export function rich(text) {
  const frag = document.createDocumentFragment();
  String(text ?? '').split('`').forEach((part, i) => {
    if (!part) return;
    frag.append(i % 2 === 1 ? h('code', null, part) : document.createTextNode(part));
  });
  return frag;
}

export const $ = (id) => document.getElementById(id);

/** Only absolute http(s) URLs from rule files become links; anything else stays text. */
export function safeUrl(url) {
  try {
    const u = new URL(String(url));
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
  } catch {
    return null;
  }
}
