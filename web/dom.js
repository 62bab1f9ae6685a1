// DOM helpers. Everything is built with DOM APIs (never innerHTML), so text
// from the API can never become markup, and nothing needs inline styles or
// inline handlers (the Content-Security-Policy forbids both).

// h('button', {class: 'primary', 'data-testid': 'x', onclick: fn}, 'Save')
// Attribute values: strings are set as attributes, booleans toggle boolean
// attributes, functions on "on<event>" keys become listeners; null/undefined
// are skipped. Children: strings/numbers become text, arrays are flattened,
// null/false are skipped.
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  applyAttrs(el, attrs);
  append(el, children);
  return el;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

export function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  applyAttrs(el, attrs);
  append(el, children);
  return el;
}

function applyAttrs(el, attrs) {
  if (!attrs) return;
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined) continue;
    if (key.startsWith('on') && typeof value === 'function') {
      el.addEventListener(key.slice(2), value);
    } else if (key === 'value' && 'value' in el && el.namespaceURI !== SVG_NS) {
      el.value = value;
    } else if (key === 'checked' || key === 'selected') {
      el[key] = Boolean(value);
    } else if (typeof value === 'boolean') {
      if (value) el.setAttribute(key, '');
    } else {
      el.setAttribute(key, String(value));
    }
  }
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

export function replace(el, ...children) {
  clear(el);
  return append(el, children);
}

// A labelled form field: <div class="field"><label for=id>Label</label>control hint</div>
let fieldCounter = 0;
export function field(label, control, hint) {
  if (!control.id) control.id = `f${++fieldCounter}`;
  const children = [h('label', {for: control.id}, label), control];
  if (hint) {
    const hintId = `${control.id}-hint`;
    control.setAttribute('aria-describedby', hintId);
    children.push(h('p', {class: 'hint', id: hintId}, hint));
  }
  return h('div', {class: 'field'}, children);
}

export function select(attrs, options, selected) {
  const el = h('select', attrs, options.map(([value, label]) => h('option', {value}, label)));
  if (selected !== undefined && selected !== null) el.value = String(selected);
  return el;
}

// Formats an RFC 3339 time in the browser's zone; '—' for null.
const timeFormat = new Intl.DateTimeFormat(undefined, {dateStyle: 'medium', timeStyle: 'short'});
export function formatTime(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : timeFormat.format(d);
}

export function chip(status) {
  return h('span', {class: `chip chip-${status}`}, status);
}

// The browser's IANA zone, e.g. "Europe/Paris" (UTC when unknown).
export function browserZone() {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

// "+01:00" for a JS Date in the browser's zone.
export function offsetOf(date) {
  const minutes = -date.getTimezoneOffset();
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

// "2026-06-01T10:30" (a datetime-local value, browser's zone) ->
// "2026-06-01T10:30:00+02:00" (ISO 8601 with the offset of that local time).
// Null when the value is not a valid local time.
export function localInputToIso(value) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(value || '');
  if (!m) return null;
  const [, y, mo, d, hh, mi, ss] = m;
  const date = new Date(Number(y), Number(mo) - 1, Number(d), Number(hh), Number(mi), Number(ss || 0));
  if (Number.isNaN(date.getTime())) return null;
  const pad = (n) => String(n).padStart(2, '0');
  // Components of the Date (a nonexistent DST time moves forward; use what it became).
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T` +
         `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}${offsetOf(date)}`;
}

// A Date as a datetime-local value in the browser's zone.
export function dateToLocalInput(date) {
  const pad = (n) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T` +
         `${pad(date.getHours())}:${pad(date.getMinutes())}`;
}
