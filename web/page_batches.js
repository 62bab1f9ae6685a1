// #/agents/<id>/batches: the batches of one agent, newest first, refreshed
// every 3 s while one of them is scheduled, running or paused.

import {get, seg} from './api.js';
import {chip, formatTime, h, replace} from './dom.js';
import {messageOf} from './ui.js';

export const ACTIVE_BATCH = new Set(['scheduled', 'running', 'paused']);

export function progressCell(b) {
  const p = b.progress || {done: 0, total: b.valid_contacts || 0};
  const total = p.total || 0;
  const bar = h('progress', {max: String(Math.max(total, 1)), value: String(p.done || 0),
                             'aria-label': `Progress of ${b.file_name || 'batch'}`});
  return h('div', {class: 'progress-cell'}, bar, h('span', {class: 'muted'}, `${p.done || 0} / ${total}`));
}

export function renderAgentBatches(main, {params}, page) {
  const agentId = params[0];
  const title = h('h1', null, 'Batches');
  const body = h('tbody');
  const status = h('p', {class: 'muted'}, 'Loading batches…');
  const error = h('p', {class: 'error', role: 'alert', hidden: true, 'data-testid': 'batches-error'});
  main.append(
      h('p', {class: 'crumbs'}, h('a', {href: '#/agents'}, '← Agents')),
      h('div', {class: 'page-head'}, title,
        h('a', {class: 'button primary', href: `#/upload?agent=${seg(agentId)}`}, 'Upload contacts')),
      error, status,
      h('div', {class: 'table-wrap'},
        h('table', {'data-testid': 'batches-table'},
          h('thead', null, h('tr', null, ['Batch', 'Status', 'Progress', 'Scheduled', 'Created']
              .map((t) => h('th', {scope: 'col'}, t)))),
          body)));

  get(`/agents/${seg(agentId)}`).then((agent) => {
    if (page.alive) title.textContent = `Batches of ${agent.agent_name}`;
  }).catch(() => {});  // the list below reports errors

  let timer = null;
  async function load() {
    timer = null;
    try {
      const batches = await get(`/batches/${seg(agentId)}/all`);
      if (!page.alive) return;
      error.hidden = true;
      status.hidden = batches.length > 0;
      status.textContent = 'No batches yet. Upload a contacts file to create one.';
      replace(body, batches.map((b) => h('tr', {'data-testid': 'batch-row', 'data-batch-id': b.batch_id},
        h('th', {scope: 'row'}, h('a', {href: `#/batches/${seg(b.batch_id)}`}, b.file_name || b.batch_id),
          h('div', {class: 'muted small mono'}, b.batch_id)),
        h('td', null, chip(b.status)),
        h('td', null, progressCell(b)),
        h('td', null, formatTime(b.scheduled_at)),
        h('td', null, formatTime(b.created_at)))));
      if (batches.some((b) => ACTIVE_BATCH.has(b.status))) timer = setTimeout(load, 3000);
    } catch (e) {
      if (!page.alive) return;
      status.hidden = true;
      error.textContent = messageOf(e);
      error.hidden = false;
    }
  }
  load();
  return () => clearTimeout(timer);
}
