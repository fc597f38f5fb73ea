// Calls to the server's /v1 API and the display of its JSON errors. URLs are relative ('v1/eval', not
// '/v1/eval') so that the page also works behind a reverse proxy that serves it under a path prefix.
// Not here: what the answers mean (the section modules); the batch stream (batch.js).

import { clear, h, rich } from './dom.js';
import { state } from './state.js';

/** One request; resolves to {ok, status, data, digest}. Never rejects: a network failure is an error value. */
export async function api(path, options = {}) {
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

export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, v);
  const t = q.toString();
  return t ? `?${t}` : '';
}

/** Shows a server error (the JSON error body) in `box`; returns the problems for field marking. */
export function showError(box, data, context) {
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
