// Browser test of the dashboard (issue 5): Debian's Chromium, driven by
// playwright-core, against a real `batchcall serve` with a fast simulator
// agent. Steps run in order and share one page; after a failed step the rest
// are skipped (with a screenshot of the failure). Selectors are the
// data-testid attributes of the dashboard contract. Run: see README.md.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { launchChromium, numberIn, parseCsv, screenshot, Server, TEST_DATA, waitFor } from './harness.mjs';

const KEY = 'bc_browser_test_key_0123456789abcdef';
const WRONG_KEY = 'bc_wrong_key_fedcba9876543210fedcba';
const FAST_AGENT = {
  agent_name: 'fast',
  // Mostly answered (an answered call is needed for the transcript step), with
  // some other outcomes for the chart and counts.
  provider: {
    type: 'simulator', speed: 50, seed: 1,
    answer_rate: 0.7, busy_rate: 0.1, no_answer_rate: 0.1, voicemail_rate: 0, failure_rate: 0.1,
  },
  welcome_message: 'Hi {first_name}, this is a reminder about your appointment on {appointment_day}.',
  max_concurrency: 10,
  calls_per_second: 0,
  retry_config: { enabled: false },
};
const DEMO_CSV = join(TEST_DATA, 'demo_contacts.csv');
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 375, height: 667 };

// CSV rows of demo_contacts.csv by contact number (for names in transcripts).
function demoContacts() {
  const [header, ...rows] = parseCsv(readFileSync(DEMO_CSV, 'utf8')).filter((r) => r.join('') !== '');
  return rows.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i]])));
}

describe('dashboard in Chromium', { timeout: 240_000 }, () => {
  const server = new Server(KEY);
  let browser;
  let page;
  let fastId;
  let batchId;
  let current = 'start-up';
  let broken = null;          // name of the step that failed; later steps are skipped
  const problems = [];        // console errors, page errors, CSP violations, 5xx, external requests
  let expectedHttpErrors = new Set();  // statuses whose "Failed to load resource" log is expected now
  const started = Date.now();

  const id = (testId) => page.getByTestId(testId);
  const text = async (testId) => ((await id(testId).first().textContent()) ?? '').trim();

  // Defines one ordered step: skipped after an earlier failure (unless
  // `always`); a failure saves a screenshot named failure-<step>.
  function step(name, fn, { always = false } = {}) {
    it(name, async (t) => {
      if (broken && !always) {
        t.skip(`skipped: step "${broken}" failed`);
        return;
      }
      current = name;
      try {
        await fn(t);
      } catch (e) {
        broken ??= name;
        if (page) {
          const file = await screenshot(page, `failure-${name.replace(/[^a-z0-9]+/gi, '-')}`).catch(() => null);
          if (file) t.diagnostic(`screenshot of the failure: ${file}`);
          t.diagnostic(`page URL at failure: ${page.url()}`);
        }
        for (const line of server.log().split('\n')) t.diagnostic(`server: ${line}`);
        throw e;
      } finally {
        expectedHttpErrors = new Set();
      }
    });
  }

  async function shot(t, name) {
    t.diagnostic(`screenshot: ${await screenshot(page, name)}`);
  }

  before(async () => {
    browser = await launchChromium();
    await server.start();
    const r = await server.api('POST', '/agents', FAST_AGENT);
    assert.equal(r.status, 201, `creating the fast agent: ${r.text}`);
    fastId = r.json.agent_id;

    const context = await browser.newContext({ viewport: DESKTOP, acceptDownloads: true });
    // CSP violations also surface as console errors; this makes sure of it.
    await context.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) =>
        console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || 'inline'}`));
    });
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
    page.on('console', (msg) => {
      if (msg.type() !== 'error') return;
      const m = /Failed to load resource: the server responded with a status of (\d+)/.exec(msg.text());
      if (m && expectedHttpErrors.has(Number(m[1]))) return;
      problems.push(`[${current}] console error: ${msg.text()} (${msg.location().url})`);
    });
    page.on('pageerror', (e) => problems.push(`[${current}] page error: ${e.message}`));
    page.on('request', (req) => {
      const url = req.url();
      if (!url.startsWith(server.base + '/') && !/^(data|blob):/.test(url)) {
        problems.push(`[${current}] request to another origin: ${url}`);
      }
    });
    page.on('response', (resp) => {
      if (resp.status() >= 500) problems.push(`[${current}] HTTP ${resp.status()} from ${resp.url()}`);
    });
  });

  after(async () => {
    await browser?.close();
    await server.stop();
  });

  step('static assets: content types and a strict CSP', async (t) => {
    const r = await fetch(server.base + '/');
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /^text\/html/);
    const csp = r.headers.get('content-security-policy') ?? '';
    t.diagnostic(`CSP: ${csp}`);
    assert.match(csp, /default-src/, 'GET / has a Content-Security-Policy with default-src');
    const scriptSrc = /script-src([^;]*)/.exec(csp)?.[1] ?? /default-src([^;]*)/.exec(csp)[1];
    assert.doesNotMatch(scriptSrc, /unsafe-inline|unsafe-eval|\*/, 'scripts only from the server itself');
    for (const [path, type] of [['/assets/app.js', /javascript/], ['/assets/app.css', /^text\/css/]]) {
      const a = await fetch(server.base + path);
      assert.equal(a.status, 200, `${path} is public`);
      assert.match(a.headers.get('content-type') ?? '', type, `${path} content type`);
      assert.ok(a.headers.get('cache-control'), `${path} has a Cache-Control header`);
    }
  });

  step('sign in: a wrong key shows login-error, the right key opens the dashboard', async (t) => {
    await page.goto(server.base + '/');
    await id('login-key').waitFor();
    await shot(t, 'login');
    expectedHttpErrors = new Set([401]);
    await id('login-key').fill(WRONG_KEY);
    await id('login-submit').click();
    await id('login-error').waitFor({ state: 'visible' });
    const message = await text('login-error');
    assert.ok(message.length > 0 && !message.startsWith('{'), `readable login error, got "${message}"`);
    await shot(t, 'login-error');

    await id('login-key').fill(KEY);
    await id('login-submit').click();
    await id('nav-agents').waitFor({ state: 'visible' });
    const stored = await page.evaluate(() => ({
      session: sessionStorage.getItem('batchcall.api_key'),
      local: JSON.stringify({ ...localStorage }),
      cookie: document.cookie,
    }));
    assert.equal(stored.session, KEY, 'the key is kept in sessionStorage as batchcall.api_key');
    assert.ok(!stored.local.includes(KEY) && !stored.cookie.includes(KEY), 'the key is not in localStorage or cookies');
  });

  step('agents page lists the fast agent', async (t) => {
    await id('nav-agents').click();
    await id('agents-table').waitFor({ state: 'visible' });
    const row = page.locator(`[data-testid="agent-row"][data-agent-id="${fastId}"]`);
    await row.waitFor({ state: 'visible' });
    assert.match(await row.textContent(), /fast/);
    await shot(t, 'agents');
  });

  step('agent form creates a simulator agent', async (t) => {
    await id('agent-new').click();
    await id('agent-name').waitFor({ state: 'visible' });
    await id('agent-name').fill('from-the-form');
    await id('agent-provider-type').selectOption('simulator');
    await id('sim-speed').fill('100');
    await id('agent-max-concurrency').fill('5');
    await shot(t, 'agent-form');
    await id('agent-save').click();
    const created = await waitFor(async () => {
      if (await id('agent-form-error').isVisible()) throw new Error(`agent-form-error: ${await text('agent-form-error')}`);
      const r = await server.api('GET', '/agents');
      return r.json.find((a) => a.agent_name === 'from-the-form');
    }, 15_000, (last) => `the agent saved by the form appears in GET /agents (${last})`);
    assert.equal(created.provider.type, 'simulator');
    assert.equal(created.provider.speed, 100);
    assert.equal(created.max_concurrency, 5);
  });

  step('upload demo_contacts.csv: 8 total, 7 valid, 1 duplicate on line 9', async (t) => {
    await id('nav-upload').click();
    await id('upload-agent').waitFor({ state: 'visible' });
    await id('upload-agent').selectOption(fastId);
    await id('upload-mode').selectOption('strict');
    await id('upload-file').setInputFiles(DEMO_CSV);
    await id('upload-submit').click();
    await id('report-total').waitFor({ state: 'visible' });
    assert.equal(numberIn(await text('report-total')), 8, 'report-total');
    assert.equal(numberIn(await text('report-valid')), 7, 'report-valid');
    assert.equal(numberIn(await text('report-rejected')), 1, 'report-rejected');
    const rows = id('report-row');
    assert.equal(await rows.count(), 1, 'one rejected row');
    const row = await rows.first().textContent();
    assert.match(row, /duplicate/i, `the rejected row says duplicate: "${row}"`);
    assert.match(row, /\b9\b/, `the rejected row shows line 9: "${row}"`);
    await shot(t, 'upload-report');
  });

  step('start now opens the batch page, which reaches completed', async (t) => {
    await id('report-start-now').click();
    await page.waitForURL(/#\/batches\/[0-9a-f]{32}/);
    batchId = /#\/batches\/([0-9a-f]{32})/.exec(page.url())[1];
    await id('batch-status').waitFor({ state: 'visible' });
    t.diagnostic(`batch ${batchId}: first status shown "${await text('batch-status')}"`);
    await shot(t, 'batch-running');
    const t0 = Date.now();
    await waitFor(async () => /^completed$/i.test(await text('batch-status')), 60_000,
      async () => `batch-status reads completed (it reads "${await text('batch-status')}")`);
    t.diagnostic(`completed on the page ${Date.now() - t0} ms after the first status`);

    const batch = (await server.api('GET', `/batches/${batchId}`)).json;
    assert.equal(batch.status, 'completed');
    const progress = await id('batch-progress').evaluate((el) => {
      const p = el.tagName === 'PROGRESS' ? el : el.querySelector('progress');
      if (p) return { now: Number(p.value), max: Number(p.max) };
      const a = el.hasAttribute('aria-valuenow') ? el : el.querySelector('[aria-valuenow]');
      return a ? { now: Number(a.getAttribute('aria-valuenow')), max: Number(a.getAttribute('aria-valuemax')) } : null;
    });
    assert.ok(progress, 'batch-progress is a <progress> or has aria-valuenow/aria-valuemax');
    assert.ok(progress.max > 0 && progress.now === progress.max, `progress at max: ${JSON.stringify(progress)}`);

    await id('batch-counts').waitFor({ state: 'visible' });
    const counts = Object.entries(batch.execution_status).filter(([, n]) => n > 0);
    assert.ok(counts.length > 0);
    for (const [status, n] of counts) {
      const shown = numberIn(await text(`count-${status}`));
      assert.equal(shown, n, `count-${status} shows ${n}`);
    }
    t.diagnostic(`outcomes: ${JSON.stringify(batch.execution_status)}`);
    const chart = await id('batch-chart').first().evaluate((el) =>
      el.tagName.toLowerCase() === 'svg' || el.querySelector('svg') !== null);
    assert.ok(chart, 'batch-chart is (or contains) an SVG');
    await shot(t, 'batch-completed');
  });

  step('an answered execution expands to its transcript', async (t) => {
    const batch = (await server.api('GET', `/batches/${batchId}`)).json;
    const answered = batch.execution_status.completed ?? 0;
    assert.ok(answered > 0, `the simulator answered at least one call: ${JSON.stringify(batch.execution_status)}`);
    await id('executions-table').waitFor({ state: 'visible' });
    await id('executions-filter').selectOption('completed');
    const rows = id('execution-row');
    await waitFor(async () => (await rows.count()) === answered, 15_000,
      async () => `${answered} execution-row(s) with the completed filter (got ${await rows.count()})`);
    for (const row of await rows.all()) assert.match(await row.textContent(), /completed/i);

    const first = rows.first();
    const executionId = await first.getAttribute('data-execution-id');
    assert.ok(executionId, 'execution-row has data-execution-id');
    const executions = (await server.api('GET', `/batches/${batchId}/executions`)).json;
    const execution = executions.find((e) => e.id === executionId);
    assert.ok(execution, `execution ${executionId} belongs to the batch`);
    const firstName = execution.context_details.recipient_data.first_name;

    await first.click();
    await id('execution-detail').first().waitFor({ state: 'visible' });
    const transcript = await text('execution-transcript');
    assert.ok(transcript.includes(firstName), `the transcript mentions ${firstName}: "${transcript.slice(0, 200)}"`);
    assert.ok((await text('execution-variables')).includes(firstName), 'execution-variables shows first_name');
    await id('execution-attempts').first().waitFor({ state: 'visible' });
    await id('execution-telephony').first().waitFor({ state: 'visible' });
    await shot(t, 'execution-expanded');
  });

  step('keyboard: Tab to an execution row and Enter expands it', async () => {
    await page.reload();
    await id('executions-table').waitFor({ state: 'visible' });
    await id('executions-filter').selectOption('');
    await waitFor(async () => (await id('execution-row').count()) === 7, 15_000, 'all 7 execution rows listed');
    await id('execution-detail').waitFor({ state: 'detached' });
    await page.evaluate(() => document.activeElement?.blur());
    let focused = null;
    for (let i = 0; i < 150 && !focused; i++) {
      await page.keyboard.press('Tab');
      focused = await page.evaluate(() => {
        const el = document.activeElement;
        return el?.getAttribute('data-testid') === 'execution-row' ? el.getAttribute('data-execution-id') : null;
      });
    }
    assert.ok(focused, 'an execution-row is reachable with Tab');
    await page.keyboard.press('Enter');
    await id('execution-detail').first().waitFor({ state: 'visible' });
    await id('execution-transcript').first().waitFor({ state: 'attached' });
  });

  step('download the executions CSV and the rejected-rows report', async (t) => {
    const contacts = demoContacts();
    const [download] = await Promise.all([page.waitForEvent('download'), id('batch-download-csv').click()]);
    assert.equal(download.suggestedFilename(), `executions-${batchId}.csv`);
    const csv = readFileSync(await download.path(), 'utf8');
    const [header, ...rows] = parseCsv(csv).filter((r) => r.join('') !== '');
    assert.ok(header.includes('contact_number'), `CSV header has contact_number: ${header}`);
    assert.equal(rows.length, 7, 'seven data rows');
    const numbers = new Set(contacts.map((c) => c.contact_number.replace(/^'/, '')));
    const col = header.indexOf('contact_number');
    for (const row of rows) assert.ok(numbers.has(row[col]), `a demo contact: ${row[col]}`);
    t.diagnostic(`executions CSV header: ${header.join(',')}`);

    const [report] = await Promise.all([page.waitForEvent('download'), id('batch-download-report').click()]);
    assert.equal(report.suggestedFilename(), `report-${batchId}.csv`);
    const rejected = parseCsv(readFileSync(await report.path(), 'utf8')).filter((r) => r.join('') !== '');
    assert.equal(rejected.length, 2, `a header and one rejected row: ${JSON.stringify(rejected)}`);
    assert.match(rejected[1].join(','), /duplicate/i);
  });

  step('phone-sized batch page: no horizontal overflow, controls visible', async (t) => {
    await page.setViewportSize(PHONE);
    await page.reload();
    await id('batch-status').waitFor({ state: 'visible' });
    await id('executions-table').waitFor({ state: 'visible' });
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= PHONE.width + 2, `page is ${width}px wide at ${PHONE.width}px (horizontal overflow)`);
    for (const control of ['batch-status', 'batch-progress', 'batch-counts', 'batch-chart',
      'batch-download-csv', 'executions-filter']) {
      const box = await id(control).first().boundingBox();
      assert.ok(box && box.width > 0 && box.height > 0, `${control} is visible on a phone`);
      assert.ok(box.x >= -1 && box.x + box.width <= PHONE.width + 2,
        `${control} fits the phone width: x=${box.x} width=${box.width}`);
    }
    await shot(t, 'batch-phone');
    await page.setViewportSize(DESKTOP);
  });

  step('a batch held by its calling hours says why it is not dialling', async (t) => {
    const hour = new Date().getUTCHours();
    const start = (hour + 2) % 24;
    const agent = await server.api('POST', '/agents', {
      agent_name: 'closed now', provider: { type: 'simulator', speed: 1000 }, calls_per_second: 0,
      calling_guardrails: { call_start_hour: start, call_end_hour: start + 1, default_timezone: 'UTC' },
    });
    assert.equal(agent.status, 201, agent.text);
    const form = new FormData();
    form.append('agent_id', agent.json.agent_id);
    form.append('file', new Blob(['contact_number,first_name\n+447911123456,Ada\n']), 'held.csv');
    const created = await server.api('POST', '/batches', form);
    assert.equal(created.status, 201, created.text);
    const heldId = created.json.batch_id;
    const scheduled = await server.api('POST', `/batches/${heldId}/schedule`, { scheduled_at: 'now' });
    assert.equal(scheduled.status, 200, scheduled.text);
    await page.goto(`${server.base}/#/batches/${heldId}`);
    await waitFor(async () => /Held: 1 calling hours/.test((await id('batch-held').textContent()) ?? ''), 15_000,
      async () => `batch-held says why (got ${JSON.stringify(await id('batch-held').textContent())})`);
    // The table may have been read before the engine's decision: read it again.
    await page.reload();
    await waitFor(async () => ((await id('execution-held-by').first().textContent()) ?? '').trim() === 'calling hours',
      15_000, async () => `execution-held-by says why (got ${JSON.stringify(await id('execution-held-by').first().textContent())})`);
    await shot(t, 'batch-held');
  });

  step('bad files show a readable upload-error', async (t) => {
    const bad = [
      ['no-contact-number.csv', 'phone,first_name\n+14155552671,Ada\n'],
      ['no-valid-rows.csv', 'contact_number,first_name\nnot a number,Ada\n12,Alan\n'],
    ];
    for (const [name, content] of bad) {
      await page.goto(`${server.base}/#/upload`);
      await page.reload();
      await id('upload-agent').waitFor({ state: 'visible' });
      await id('upload-agent').selectOption(fastId);
      await id('upload-file').setInputFiles({ name, mimeType: 'text/csv', buffer: Buffer.from(content) });
      expectedHttpErrors = new Set([400]);
      await id('upload-submit').click();
      await id('upload-error').waitFor({ state: 'visible' });
      const message = await waitFor(async () => text('upload-error'), 5_000, `upload-error has text for ${name}`);
      t.diagnostic(`${name}: "${message}"`);
      assert.ok(!message.startsWith('{') && !message.includes('"error"'), `readable message, not JSON: ${message}`);
      assert.ok(message.length >= 10, `a sentence, not a code: "${message}"`);
      await shot(t, `upload-error-${name.replace('.csv', '')}`);
    }
  });

  step('sign out, and a 401 sends the page back to sign-in', async (t) => {
    await id('nav-signout').click();
    await id('login-key').waitFor({ state: 'visible' });
    assert.equal(await page.evaluate(() => sessionStorage.getItem('batchcall.api_key')), null, 'key forgotten');
    const signedOut = (await id('login-error').isVisible()) ? await text('login-error') : '';

    expectedHttpErrors = new Set([401]);
    await page.evaluate(() => sessionStorage.setItem('batchcall.api_key', 'bc_revoked_key_000000000000000000'));
    await page.goto(`${server.base}/#/agents`);  // same document: the app routes to the agents page
    await page.waitForURL(/#\/login/);
    await id('login-key').waitFor({ state: 'visible' });
    const message = await waitFor(async () => {
      for (const where of ['login-error', 'toast']) {
        if (await id(where).isVisible()) {
          const shown = await text(where);
          if (shown && shown !== signedOut) return shown;
        }
      }
      return null;
    }, 5_000, `a message (login-error or toast, not the sign-out one "${signedOut}") says the key was refused`);
    t.diagnostic(`after a 401: "${message}"`);
    assert.ok(!message.startsWith('{'), `readable: ${message}`);
  });

  // Regression (a CI run): a page reload while an answer's body was still
  // arriving rejected response.text() with a raw TypeError, which the
  // dashboard logged as its own bug ("Something went wrong").
  step('an answer cut off mid-body reads as "Cannot reach the server"', async () => {
    const result = await page.evaluate(async () => {
      const api = await import('/assets/api.js');
      const realFetch = window.fetch;
      window.fetch = async () => new Response(
        new ReadableStream({ start(controller) { controller.error(new TypeError('Failed to fetch')); } }),
        { status: 200, headers: { 'Content-Type': 'application/json' } });
      try {
        await api.get('/agents');
        return 'resolved';
      } catch (e) {
        return `${e.name} ${e.status} ${e.message}`;
      } finally {
        window.fetch = realFetch;
      }
    });
    assert.equal(result, 'ApiError 0 Cannot reach the server. Check that batchcall is running and try again.');
  });

  step('no console errors, page errors or CSP violations', async (t) => {
    t.diagnostic(`whole run so far: ${Math.round((Date.now() - started) / 1000)} s`);
    assert.deepEqual(problems, []);
  }, { always: true });

  step('the server shuts down cleanly', async () => {
    await browser?.close();
    browser = null;
    const { code, signal } = await server.stop();
    assert.equal(signal, null, `server ended by ${signal}:\n${server.log()}`);
    assert.equal(code, 0, `server exit code:\n${server.log()}`);
  }, { always: true });
});
