// Helpers for the dashboard browser tests: start a real `batchcall serve`,
// talk to its HTTP API, launch Debian's Chromium through playwright-core, and
// small utilities (CSV parsing, screenshots, waiting). Node built-ins only,
// plus playwright-core, which is loaded lazily so that a missing
// node_modules fails with a message saying how to install it.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..', '..');

export const BIN = process.env.BATCHCALL_BIN || 'batchcall';
export const TEST_DATA = process.env.BATCHCALL_TEST_DATA || join(repo, 'test', 'data');
export const SCREENSHOT_DIR = process.env.BATCHCALL_SCREENSHOT_DIR || join(repo, 'build', 'screenshots');
export const CHROMIUM = process.env.BATCHCALL_CHROMIUM || '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync',
];

const INSTALL_HINT = 'run scripts/install-deps (it installs Debian\'s chromium and runs ' +
  '`npm ci --prefix test/browser`)';

// Launches headless Chromium. Fails with an install hint when playwright-core
// (test/browser/node_modules) or /usr/bin/chromium is missing.
export async function launchChromium() {
  let chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch (e) {
    throw new Error(`playwright-core is not installed (test/browser/node_modules is missing): ${INSTALL_HINT}. ` +
      `Import error: ${e.message}`);
  }
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: ${INSTALL_HINT}`);
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

// A batchcall server process with its own data directory (removed on stop).
export class Server {
  constructor(apiKey) {
    this.apiKey = apiKey;
    this.dir = mkdtempSync(join(tmpdir(), 'batchcall-browser-'));
    this.output = [];  // last lines of the server's stdout+stderr, for failure messages
    this.proc = null;
    this.base = null;
  }

  // Starts `batchcall serve` on a free loopback port; resolves once it prints
  // "listening on http://127.0.0.1:<port>".
  async start(timeoutMs = 60_000) {
    const env = { ...process.env, BATCHCALL_API_KEY: this.apiKey };
    env.ASAN_OPTIONS = (env.ASAN_OPTIONS ? env.ASAN_OPTIONS + ':' : '') + 'quarantine_size_mb=8';
    const args = ['serve', '--listen', '127.0.0.1:0', '--db', 'sqlite:' + join(this.dir, 'batchcall.db')];
    this.proc = spawn(BIN, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.exited = new Promise((res) => {
      this.proc.on('exit', (code, signal) => res({ code, signal }));
      this.proc.on('error', (e) => res({ code: null, signal: null, error: e }));  // never started
    });
    const keep = (line) => {
      this.output.push(line);
      if (this.output.length > 400) this.output.shift();
    };
    createInterface({ input: this.proc.stderr }).on('line', keep);
    const lines = createInterface({ input: this.proc.stdout });
    const started = new Promise((res, rej) => {
      lines.on('line', (line) => {
        keep(line);
        const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(line);
        if (m && !this.base) res(m[1]);
      });
      this.proc.on('error', (e) => rej(new Error(`cannot run ${BIN}: ${e.message}`)));
      this.exited.then(({ code, signal }) =>
        rej(new Error(`${BIN} serve exited during start-up (code ${code}, signal ${signal}):\n${this.log()}`)));
    });
    let timer;
    const timeout = new Promise((_, rej) => {
      timer = setTimeout(() => rej(new Error(`${BIN} serve did not start in time:\n${this.log()}`)), timeoutMs);
    });
    try {
      this.base = await Promise.race([started, timeout]);
    } finally {
      clearTimeout(timer);
    }
    return this;
  }

  log() {
    return this.output.slice(-60).join('\n');
  }

  // SIGTERM, then SIGKILL after 20 s. Returns {code, signal}. Idempotent.
  async stop() {
    if (!this.proc) return { code: 0, signal: null };
    if (this.proc.exitCode === null && this.proc.signalCode === null && this.proc.pid !== undefined) {
      this.proc.kill('SIGTERM');
      const timer = setTimeout(() => this.proc.kill('SIGKILL'), 20_000);
      await this.exited;
      clearTimeout(timer);
    }
    const result = await this.exited;
    rmSync(this.dir, { recursive: true, force: true });
    return result;
  }

  // One API call with the test key. `body` objects are sent as JSON.
  async api(method, path, body) {
    const headers = { Authorization: `Bearer ${this.apiKey}` };
    let payload = body;
    if (body !== undefined && !(body instanceof FormData)) {
      headers['Content-Type'] = 'application/json';
      payload = JSON.stringify(body);
    }
    const r = await fetch(this.base + path, { method, headers, body: payload });
    const text = await r.text();
    let json = null;
    try {
      json = JSON.parse(text);
    } catch {
      // not JSON: callers look at text
    }
    return { status: r.status, headers: r.headers, text, json };
  }
}

// Minimal RFC 4180 parser: quoted fields, doubled quotes, CRLF or LF.
export function parseCsv(text) {
  const rows = [];
  let row = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c === '"') {
      quoted = true;
    } else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else {
      field += c;
    }
  }
  if (field !== '' || row.length) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

// Saves a PNG of the page (full page) as <SCREENSHOT_DIR>/<name>.png.
export async function screenshot(page, name) {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

// Polls fn() until it returns a truthy value; throws with describe() after timeoutMs.
export async function waitFor(fn, timeoutMs, describe) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms: ${typeof describe === 'function' ? await describe(last) : describe}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

// The first integer in an element's text ("7", "7 valid", "completed: 7").
export function numberIn(text) {
  const m = /-?\d+/.exec(text ?? '');
  return m ? Number(m[0]) : NaN;
}
