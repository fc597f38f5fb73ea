// Batch: a JSON Lines file posted to POST /v1/batch, the streamed answer counted into a progress bar
// and offered as a download. Not here: reading the cases (the server does) or other API calls (api.js).

import { $, clear, h } from './dom.js';
import { query, showError } from './api.js';

export async function runBatch(event) {
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
