// #/batches/<id>: live status, progress and per-status counts (polled every
// second while the batch is scheduled, running or paused), a chart of
// outcomes, the actions the batch's state allows, CSV downloads and the
// executions table (refreshed every 3 s while the batch is live and the tab
// is visible).

import {del, download, get, post, seg} from './api.js';
import {chip, formatTime, h, replace, s} from './dom.js';
import {EXECUTION_STATUSES, executionsPanel, reasonText} from './executions.js';
import {ACTIVE_BATCH} from './page_batches.js';
import {scheduleControls} from './schedule.js';
import {announce, messageOf, navigate, toast} from './ui.js';

const OUTCOMES = ['completed', 'busy', 'no-answer', 'failed', 'canceled', 'stopped', 'error'];
const GROUPS = [
  ['Waiting', ['prepared', 'queued', 'scheduled', 'rescheduled']],
  ['In flight', ['initiated', 'ringing', 'in-progress', 'call-disconnected']],
  ['Finished', OUTCOMES],
];

// Horizontal bars, one per terminal status, drawn with SVG DOM nodes
// (colours come from CSS classes bar-<status>).
// `width` is the container's width in CSS pixels, so text keeps its size.
function outcomeChart(counts, width) {
  const rowH = 26;
  const labelW = 118;
  const barMax = Math.max(40, width - labelW - 44);
  const max = Math.max(1, ...OUTCOMES.map((k) => counts[k] || 0));
  const total = OUTCOMES.reduce((n, k) => n + (counts[k] || 0), 0);
  const summary = OUTCOMES.map((k) => `${k} ${counts[k] || 0}`).join(', ');
  const svg = s('svg', {'data-testid': 'batch-chart', class: 'chart', width: String(width), height: String(OUTCOMES.length * rowH + 4),
                        viewBox: `0 0 ${width} ${OUTCOMES.length * rowH + 4}`,
                        role: 'img', 'aria-label': `Outcomes: ${summary}`, preserveAspectRatio: 'xMinYMin meet'});
  svg.append(s('title', null, total ? `Outcomes: ${summary}` : 'No finished calls yet'));
  OUTCOMES.forEach((k, i) => {
    const n = counts[k] || 0;
    const y = i * rowH + 2;
    const w = n ? Math.max(2, Math.round((n / max) * barMax)) : 0;
    svg.append(
      s('text', {x: String(labelW - 8), y: String(y + rowH / 2 + 4), class: 'chart-label', 'text-anchor': 'end'}, k),
      s('rect', {x: String(labelW), y: String(y + 4), width: String(barMax), height: String(rowH - 8), rx: '3',
                 class: 'bar-track'}),
      s('rect', {x: String(labelW), y: String(y + 4), width: String(w), height: String(rowH - 8), rx: '3',
                 class: `bar bar-${k}`}),
      s('text', {x: String(labelW + w + 6), y: String(y + rowH / 2 + 4), class: 'chart-value'}, String(n)));
  });
  return svg;
}

export function renderBatch(main, {params}, page) {
  const batchId = params[0];
  const title = h('h1', null, 'Batch');
  const subtitle = h('p', {class: 'muted small mono'}, batchId);
  const crumbs = h('p', {class: 'crumbs'}, h('a', {href: '#/agents'}, '← Agents'));
  const error = h('p', {class: 'error', role: 'alert', hidden: true, 'data-testid': 'batch-error'});
  const statusEl = h('span', {class: 'chip', 'data-testid': 'batch-status'}, '…');
  const progress = h('progress', {'data-testid': 'batch-progress', max: '1', value: '0', 'aria-label': 'Batch progress'});
  const progressText = h('p', {class: 'progress-text'});
  // "Why isn't it dialling?": executions held or blocked by a calling rule.
  const heldText = h('p', {class: 'held-text', 'data-testid': 'batch-held', hidden: true});
  const meta = h('dl', {class: 'meta'});
  const counts = h('div', {class: 'counts', 'data-testid': 'batch-counts'});
  const chartBox = h('div', {class: 'chart-box'});
  const fail = (text) => {
    error.textContent = text;
    error.hidden = false;
  };

  // Actions
  const btn = (testid, label, cls) => h('button', {type: 'button', 'data-testid': testid, class: cls || null}, label);
  const startNow = btn('batch-start-now', 'Start now', 'primary');
  const pause = btn('batch-pause', 'Pause');
  const resume = btn('batch-resume', 'Resume', 'primary');
  const stop = btn('batch-stop', 'Stop', 'danger');
  const remove = btn('batch-delete', 'Delete…', 'danger');
  const csv = btn('batch-download-csv', 'Download executions (CSV)');
  const reportCsv = btn('batch-download-report', 'Download rejected rows (CSV)');
  const picker = scheduleControls('batch', (iso) => act('schedule', iso), fail);
  const confirmBox = h('div', {class: 'confirm', hidden: true, role: 'group', 'aria-label': 'Confirm delete'},
    h('p', null, 'Delete this batch, its executions and its report? This cannot be undone.'),
    h('button', {type: 'button', class: 'danger', 'data-testid': 'confirm-yes'}, 'Yes, delete'),
    h('button', {type: 'button', 'data-testid': 'confirm-no'}, 'Cancel'));
  const [confirmYes, confirmNo] = confirmBox.querySelectorAll('button');
  const scheduleBox = h('div', {class: 'schedule-box'}, h('h3', null, 'Schedule'), picker.el);

  const executions = executionsPanel(batchId, page);

  main.append(crumbs,
    h('div', {class: 'page-head'}, h('div', null, title, subtitle), statusEl),
    error,
    h('section', {class: 'card', 'aria-label': 'Progress'},
      progress, progressText, heldText, counts),
    h('div', {class: 'two-col'},
      h('section', {class: 'card', 'aria-labelledby': 'outcomes-title'}, h('h2', {id: 'outcomes-title'}, 'Outcomes'),
        chartBox),
      h('section', {class: 'card', 'aria-labelledby': 'actions-title'}, h('h2', {id: 'actions-title'}, 'Actions'),
        h('div', {class: 'actions'}, startNow, pause, resume, stop, remove),
        confirmBox, scheduleBox,
        h('div', {class: 'actions downloads'}, csv, reportCsv),
        meta)),
    executions.el);

  let batch = null;
  let pollTimer = null;
  let execTimer = null;
  let lastStatus = null;

  const drawChart = () => {
    if (batch) replace(chartBox, outcomeChart(batch.execution_status || {}, Math.max(240, chartBox.clientWidth || 400)));
  };
  let resizeTimer = null;
  const onResize = () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(drawChart, 150);
  };
  window.addEventListener('resize', onResize);

  function render(b) {
    batch = b;
    title.textContent = b.file_name || 'Batch';
    statusEl.textContent = b.status;
    statusEl.className = `chip chip-${b.status}`;
    if (lastStatus && lastStatus !== b.status) announce(`Batch is now ${b.status}.`);
    lastStatus = b.status;

    const p = b.progress || {pending: 0, in_flight: 0, done: 0, total: b.valid_contacts || 0};
    const total = p.total || 0;
    progress.max = Math.max(total, 1);
    progress.value = Math.min(p.done || 0, progress.max);
    progress.setAttribute('aria-valuenow', String(p.done || 0));
    progress.setAttribute('aria-valuemax', String(total));
    const pct = total ? Math.round((100 * (p.done || 0)) / total) : 0;
    progressText.textContent = `${p.done || 0} of ${total} calls finished (${pct}%) · ${p.in_flight || 0} in flight · ` +
                               `${p.pending || 0} waiting`;

    const held = Object.entries(b.held || {}).filter(([, n]) => n > 0).sort((x, y) => y[1] - x[1]);
    heldText.hidden = held.length === 0;
    heldText.textContent = held.length ? `Held: ${held.map(([code, n]) => `${n} ${reasonText(code)}`).join(', ')}` : '';

    const es = b.execution_status || {};
    replace(counts, GROUPS.map(([label, statuses]) => h('div', {class: 'count-group'},
      h('h3', null, label),
      h('dl', null, statuses.map((st) => h('div', {class: (es[st] || 0) ? 'count' : 'count zero'},
        h('dt', null, chip(st)), h('dd', {'data-testid': `count-${st}`}, String(es[st] || 0))))))));
    const unknown = Object.keys(es).filter((k) => !EXECUTION_STATUSES.includes(k));
    if (unknown.length) counts.append(h('p', {class: 'muted'}, unknown.map((k) => `${k}: ${es[k]}`).join(', ')));
    drawChart();

    replace(meta,
      h('dt', null, 'Scheduled'), h('dd', null, formatTime(b.scheduled_at)),
      h('dt', null, 'Created'), h('dd', null, `${formatTime(b.created_at)} (${b.humanized_created_at || ''})`),
      h('dt', null, 'Contacts'), h('dd', null, `${b.valid_contacts} valid of ${b.total_contacts} rows ` +
                                              `(${b.invalid_contacts} rejected)`),
      h('dt', null, 'Validation'), h('dd', null, `${b.phone_validation}${b.default_country ? `, default country ${b.default_country}` : ''}`),
      h('dt', null, 'Agent'), h('dd', null, h('a', {href: `#/agents/${seg(b.agent_id)}/batches`}, 'Batches of this agent')));
    replace(crumbs, h('a', {href: `#/agents/${seg(b.agent_id)}/batches`}, '← Batches of this agent'));

    const st = b.status;
    const schedulable = st === 'created' || st === 'scheduled' || st === 'paused';
    startNow.hidden = !schedulable;
    scheduleBox.hidden = !schedulable;
    pause.hidden = !(st === 'scheduled' || st === 'running');
    resume.hidden = st !== 'paused';
    stop.hidden = !ACTIVE_BATCH.has(st);
    reportCsv.disabled = !b.invalid_contacts;
    reportCsv.title = b.invalid_contacts ? '' : 'No rows were rejected.';
  }

  async function poll() {
    pollTimer = null;
    try {
      const b = await get(`/batches/${seg(batchId)}`);
      if (!page.alive) return;
      const wasActive = batch && ACTIVE_BATCH.has(batch.status);
      render(b);
      error.hidden = true;
      if (ACTIVE_BATCH.has(b.status)) {
        pollTimer = setTimeout(poll, 1000);
        scheduleExecutions();
      } else if (wasActive) {
        executions.refresh();  // the last changes
      }
    } catch (e) {
      if (!page.alive) return;
      fail(messageOf(e));
      if (e.status !== 404 && e.status !== 401) pollTimer = setTimeout(poll, 3000);  // the server may come back
    }
  }

  function scheduleExecutions() {
    if (execTimer) return;
    execTimer = setTimeout(async () => {
      execTimer = null;
      if (!page.alive || !batch || !ACTIVE_BATCH.has(batch.status)) return;
      if (document.visibilityState === 'visible') await executions.refresh();
      if (page.alive && batch && ACTIVE_BATCH.has(batch.status)) scheduleExecutions();
    }, 3000);
  }

  function restartPolling() {
    clearTimeout(pollTimer);
    poll();
  }

  async function act(kind, iso) {
    error.hidden = true;
    const path = `/batches/${seg(batchId)}`;
    try {
      if (kind === 'schedule') {
        await post(`${path}/schedule`, {scheduled_at: iso});
        toast(iso === 'now' ? 'Batch started.' : `Batch scheduled for ${formatTime(iso)}.`);
      } else {
        await post(`${path}/${kind}`, {});
        toast({pause: 'Batch paused.', resume: 'Batch resumed.', stop: 'Batch stopped.'}[kind]);
      }
      if (!page.alive) return;
      restartPolling();
      executions.refresh();
    } catch (e) {
      if (page.alive) fail(messageOf(e));
    }
  }

  const busy = (button, fn) => async () => {
    button.disabled = true;
    try {
      await fn();
    } finally {
      button.disabled = false;
    }
  };
  startNow.addEventListener('click', busy(startNow, () => act('schedule', 'now')));
  pause.addEventListener('click', busy(pause, () => act('pause')));
  resume.addEventListener('click', busy(resume, () => act('resume')));
  stop.addEventListener('click', busy(stop, () => act('stop')));
  remove.addEventListener('click', () => {
    confirmBox.hidden = false;
    confirmNo.focus();
  });
  confirmNo.addEventListener('click', () => {
    confirmBox.hidden = true;
    remove.focus();
  });
  confirmYes.addEventListener('click', busy(confirmYes, async () => {
    try {
      await del(`/batches/${seg(batchId)}`);
      if (!page.alive) return;
      toast('Batch deleted.');
      navigate(batch ? `#/agents/${seg(batch.agent_id)}/batches` : '#/agents');
    } catch (e) {
      if (page.alive) fail(messageOf(e));
    }
  }));
  csv.addEventListener('click', busy(csv, async () => {
    try {
      await download(`/batches/${seg(batchId)}/executions?format=csv`, `executions-${batchId}.csv`);
    } catch (e) {
      if (page.alive) fail(messageOf(e));
    }
  }));
  reportCsv.addEventListener('click', busy(reportCsv, async () => {
    try {
      await download(`/batches/${seg(batchId)}/report?format=csv`, `report-${batchId}.csv`);
    } catch (e) {
      if (page.alive) fail(messageOf(e));
    }
  }));

  poll();
  executions.refresh();
  return () => {
    window.removeEventListener('resize', onResize);
    clearTimeout(resizeTimer);
    clearTimeout(pollTimer);
    clearTimeout(execTimer);
  };
}
