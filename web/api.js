// The API client: every call sends the key from sessionStorage as a Bearer
// header; failures become ApiError with a readable message (the API's own
// `message`, "Cannot reach the server." for network failures). A 401 signs
// the user out and returns to #/login (unless the caller handles it).

const KEY_NAME = 'batchcall.api_key';

export function getKey() {
  try {
    return sessionStorage.getItem(KEY_NAME);
  } catch {
    return null;
  }
}

export function setKey(key) {
  sessionStorage.setItem(KEY_NAME, key);
}

export function clearKey() {
  try {
    sessionStorage.removeItem(KEY_NAME);
  } catch {
    // storage unavailable: nothing to clear
  }
}

export class ApiError extends Error {
  // status: HTTP status, 0 for a network failure. details: the API's
  // `details` array (rejected rows) when present.
  constructor(status, message, details) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.details = Array.isArray(details) ? details : null;
  }
}

// Called on a 401 (set by app.js): signs out and shows the login page.
let onUnauthorized = () => {};
export function setUnauthorizedHandler(fn) {
  onUnauthorized = fn;
}

function unreachable() {
  return new ApiError(0, 'Cannot reach the server. Check that batchcall is running and try again.');
}

async function errorFrom(response) {
  let message = null;
  let details = null;
  try {
    const text = await response.text();
    const body = JSON.parse(text);
    if (body && typeof body.message === 'string') message = body.message;
    if (body && Array.isArray(body.details)) details = body.details;
  } catch {
    // not JSON: fall through to the generic message
  }
  if (!message) {
    message = response.status >= 500
      ? `The server could not answer (HTTP ${response.status}). Try again in a moment.`
      : `The request failed (HTTP ${response.status}).`;
  }
  return new ApiError(response.status, message, details);
}

// Sends a request. opts: json (body object), form (FormData), accept,
// handle401 (true: the caller deals with a 401 itself).
// Returns {data, response}; data is parsed JSON for JSON answers, else text.
export async function request(method, path, opts = {}) {
  const headers = {};
  const key = opts.key ?? getKey();
  if (key) headers.Authorization = `Bearer ${key}`;
  if (opts.accept) headers.Accept = opts.accept;
  let body;
  if (opts.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(opts.json);
  } else if (opts.form) {
    body = opts.form;  // the browser sets the multipart boundary
  }
  let response;
  try {
    response = await fetch(path, {method, headers, body, cache: 'no-store', credentials: 'omit'});
  } catch {
    throw unreachable();
  }
  if (!response.ok) {
    const error = await errorFrom(response);
    if (response.status === 401 && !opts.handle401) onUnauthorized(error.message);
    throw error;
  }
  // The body can fail after the head arrived (connection lost, or the page
  // reloaded mid-answer): that is the same "cannot reach" as a failed fetch.
  let text;
  try {
    if (opts.blob) return {data: await response.blob(), response};
    text = await response.text();
  } catch {
    throw unreachable();
  }
  const type = response.headers.get('Content-Type') || '';
  let data = text;
  if (type.includes('application/json') && text) {
    try {
      data = JSON.parse(text);
    } catch {
      throw new ApiError(response.status, 'The server sent an answer the dashboard cannot read.');
    }
  }
  return {data, response};
}

export const get = (path, opts) => request('GET', path, opts).then((r) => r.data);
export const post = (path, json, opts = {}) => request('POST', path, {...opts, json}).then((r) => r.data);
export const patch = (path, json) => request('PATCH', path, {json}).then((r) => r.data);
export const del = (path) => request('DELETE', path).then((r) => r.data);

// The target of a `Link: <...>; rel="next"` header, or null.
export function nextLink(response) {
  const link = response.headers.get('Link');
  if (!link) return null;
  for (const part of link.split(',')) {
    const m = /<([^>]*)>\s*;\s*rel="?next"?/i.exec(part);
    if (m) return m[1];
  }
  return null;
}

// Downloads a CSV with the key (a plain link could not send the header):
// fetch -> Blob -> a temporary <a download> click.
export async function download(path, filename) {
  const {data} = await request('GET', path, {accept: 'text/csv', blob: true});
  const url = URL.createObjectURL(data);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

// The path segment for an id (ids are hex/UUIDs, but never trust input).
export const seg = (id) => encodeURIComponent(id);
