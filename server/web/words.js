// Plain words and dates for caseworkers: fact and outcome names as words, ISO dates as long dates,
// half-open periods as first and last day, outcome values and statuses in plain English.
// Not here: building elements (dom.js).

const DAY_MS = 86400000;

export function humanise(id) {
  const t = String(id ?? '').replace(/_/g, ' ').trim();
  return t ? t.charAt(0).toUpperCase() + t.slice(1) : t;
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const longDateFormat = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });

export function dayNumber(iso) {
  return Date.parse(`${iso}T00:00:00Z`) / DAY_MS;
}

export function isoOfDay(n) {
  return new Date(n * DAY_MS).toISOString().slice(0, 10);
}

/** The last day of a half-open period [from, until). */
export function lastDay(until) {
  return isoOfDay(dayNumber(until) - 1);
}

export function longDate(iso) {
  const t = Date.parse(`${iso}T00:00:00Z`);
  return Number.isNaN(t) ? String(iso) : longDateFormat.format(t);
}

export function today() {
  return new Date().toISOString().slice(0, 10);
}

/** An outcome's value in plain words. */
export function plainValue(value, type) {
  if (value === null || value === undefined) return type === 'date' ? 'None (no such date)' : 'None';
  if (typeof value === 'boolean') return value ? 'Yes' : 'No';
  if (Array.isArray(value)) return value.length ? value.map((v) => plainValue(v)).join(', ') : 'None (empty list)';
  if (typeof value === 'string' && ISO_DATE.test(value)) return `${longDate(value)} (${value})`;
  if (typeof value === 'string') return humanise(value);
  if (typeof value === 'number') return type === 'int' ? value.toLocaleString('en-GB') : String(value);
  return JSON.stringify(value);
}

export function periodText(from, until) {
  return until ? `${from} – ${lastDay(until)}` : `${from} onwards`;
}

export const STATUS_WORDS = {
  decided: 'Decided',
  undetermined: 'Not determined',
  missing_facts: 'Missing facts',
  conflict: 'Conflict',
};
