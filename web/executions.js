// The executions table of the batch page: status filter, keyset paging
// (the API's Link rel="next"), rows that expand (click, Enter or Space) to
// the transcript, variables, attempts and telephony data.

import {nextLink, request, seg} from './api.js';
import {chip, formatTime, h, replace, select} from './dom.js';
import {messageOf} from './ui.js';

export const EXECUTION_STATUSES = [
  'prepared', 'queued', 'rescheduled', 'scheduled', 'initiated', 'ringing', 'in-progress', 'call-disconnected',
  'completed', 'busy', 'no-answer', 'failed', 'canceled', 'stopped', 'error',
];
const PAGE_SIZE = 20;

// A hold_reason code (docs/compliance.md) in words: "state_hours:FL" ->
// "calling hours (FL)".
export function reasonText(code) {
  if (!code) return '';
  const [kind, where] = String(code).split(':');
  const words = {
    calling_hours: 'calling hours', call_days: 'call days', state_hours: 'calling hours',
    state_days: 'Sunday rule', holiday: 'legal holiday', contact_limit: 'contact limit',
    state_limit: 'state call cap', do_not_call: 'do-not-call', opted_out: 'opted out',
    predial_refused: 'pre-dial check refused', predial_unavailable: 'pre-dial check unavailable',
  }[kind] || kind.replaceAll('_', ' ');
  return where ? `${words} (${where})` : words;
}

function valueText(v) {
  if (v === null || v === undefined || v === '') return '—';
  if (typeof v === 'object') return JSON.stringify(v, null, 2);
  return String(v);
}

function definitionList(entries, empty) {
  const shown = entries.filter(([, v]) => v !== null && v !== undefined && v !== '');
  if (shown.length === 0) return h('p', {class: 'muted'}, empty);
  return h('dl', {class: 'kv'}, shown.map(([k, v]) => [
    h('dt', null, k),
    h('dd', null, typeof v === 'object' ? h('pre', null, valueText(v)) : valueText(v)),
  ]));
}

function detail(e) {
  const recipient = e.context_details?.recipient_data ?? {};
  const history = Array.isArray(e.retry_history) ? e.retry_history : [];
  return h('div', {class: 'execution-detail', 'data-testid': 'execution-detail'},
    h('section', {'data-testid': 'execution-transcript'}, h('h4', null, 'Transcript'),
      e.transcript ? h('pre', {class: 'transcript'}, e.transcript) : h('p', {class: 'muted'}, 'No transcript.'),
      e.summary ? [h('h5', null, 'Summary'), h('p', null, e.summary)] : null,
      e.extracted_data ? [h('h5', null, 'Extracted data'), h('pre', null, valueText(e.extracted_data))] : null,
      e.error_message ? [h('h5', null, 'Error'), h('p', {class: 'error'}, e.error_message)] : null),
    h('section', {'data-testid': 'execution-variables'}, h('h4', null, 'Variables'),
      definitionList(Object.entries(recipient), 'No variables.')),
    h('section', {'data-testid': 'execution-attempts'}, h('h4', null, 'Attempts'),
      h('p', null, `${e.attempts ?? 0} dial${e.attempts === 1 ? '' : 's'} begun, ${e.retry_count ?? 0} ` +
                   `retr${e.retry_count === 1 ? 'y' : 'ies'} scheduled.`),
      e.next_attempt_at ? h('p', null, `Next attempt: ${formatTime(e.next_attempt_at)}`) : null,
      e.hold_reason ? h('p', {'data-testid': 'execution-hold-reason'}, `Held by: ${reasonText(e.hold_reason)}`) : null,
      history.length
        ? h('ol', {class: 'attempts'}, history.map((a) =>
            h('li', null, `Attempt ${a.attempt}: `, chip(a.status), ` ${formatTime(a.at)}`)))
        : null),
    h('section', {'data-testid': 'execution-telephony'}, h('h4', null, 'Telephony'),
      definitionList([
        ...Object.entries(e.telephony_data ?? {}),
        ['conversation_duration', e.conversation_duration],
        ['answered_by_voice_mail', e.answered_by_voice_mail ? 'yes' : 'no'],
        ['total_cost', e.total_cost],
      ], 'No telephony data.')));
}

function afterOf(link) {
  if (!link) return null;
  try {
    return new URL(link, location.origin).searchParams.get('after');
  } catch {
    return null;
  }
}

export function executionsPanel(batchId, page) {
  const filter = select({'data-testid': 'executions-filter', id: 'executions-filter'},
                        [['', 'All statuses'], ...EXECUTION_STATUSES.map((s) => [s, s])], '');
  const prev = h('button', {type: 'button', 'data-testid': 'executions-prev', disabled: true}, '← Previous');
  const next = h('button', {type: 'button', 'data-testid': 'executions-next', disabled: true}, 'Next →');
  const pageLabel = h('span', {class: 'muted'});
  const body = h('tbody');
  const message = h('p', {class: 'muted'});
  const error = h('p', {class: 'error', role: 'alert', hidden: true, 'data-testid': 'executions-error'});
  const expanded = new Set();
  let cursors = [null];  // `after` of each page visited; the last is the current page
  let nextAfter = null;
  let loading = null;

  const el = h('section', {class: 'card executions', 'aria-labelledby': 'executions-title'},
    h('div', {class: 'section-head'}, h('h2', {id: 'executions-title'}, 'Executions'),
      h('div', {class: 'toolbar'}, h('label', {for: 'executions-filter'}, 'Status'), filter)),
    error,
    h('div', {class: 'table-wrap'},
      h('table', {'data-testid': 'executions-table', class: 'expandable'},
        h('thead', null, h('tr', null, ['Number', 'Status', 'Attempts', 'Duration (s)', 'Updated', 'Held by', 'Error']
            .map((t) => h('th', {scope: 'col'}, t)))),
        body)),
    message,
    h('div', {class: 'pager'}, prev, pageLabel, next));

  function toggle(id) {
    if (expanded.has(id)) expanded.delete(id);
    else expanded.add(id);
    refresh();
  }

  function rows(list) {
    const focusedId = document.activeElement?.closest?.('tr[data-execution-id]')?.dataset.executionId;
    replace(body, list.map((e) => {
      const open = expanded.has(e.id);
      const detailId = `exec-detail-${e.id}`;
      const row = h('tr', {'data-testid': 'execution-row', 'data-execution-id': e.id, tabindex: '0',
                           class: open ? 'row open' : 'row', 'aria-expanded': String(open),
                           'aria-controls': open ? detailId : null,
                           'aria-label': `${e.user_number}, ${e.status}. Press Enter for details.`},
        h('td', {class: 'mono'}, h('span', {class: 'caret', 'aria-hidden': 'true'}, open ? '▾' : '▸'), ' ',
          e.user_number),
        h('td', null, chip(e.status)),
        h('td', {class: 'num'}, e.attempts ?? 0),
        h('td', {class: 'num'}, e.conversation_duration ? Math.round(e.conversation_duration) : '—'),
        h('td', null, formatTime(e.updated_at)),
        h('td', {'data-testid': 'execution-held-by'}, reasonText(e.hold_reason)),
        h('td', {class: 'clip'}, e.error_message ?? ''));
      row.addEventListener('click', (ev) => {
        if (ev.target.closest('a, button')) return;
        toggle(e.id);
      });
      row.addEventListener('keydown', (ev) => {
        if (ev.target !== row) return;
        if (ev.key === 'Enter' || ev.key === ' ') {
          ev.preventDefault();
          toggle(e.id);
        }
      });
      if (!open) return row;
      return [row, h('tr', {class: 'detail-row', id: detailId},
                     h('td', {colspan: '7'}, detail(e)))];
    }));
    if (focusedId) body.querySelector(`tr[data-execution-id="${CSS.escape(focusedId)}"]`)?.focus();
  }

  async function load() {
    const after = cursors[cursors.length - 1];
    const q = new URLSearchParams({limit: String(PAGE_SIZE)});
    if (after) q.set('after', after);
    if (filter.value) q.set('status', filter.value);
    try {
      const {data, response} = await request('GET', `/batches/${seg(batchId)}/executions?${q}`);
      if (!page.alive) return;
      error.hidden = true;
      nextAfter = afterOf(nextLink(response));
      rows(Array.isArray(data) ? data : []);
      message.textContent = data.length ? '' : (filter.value ? `No executions with status ${filter.value}.`
                                                             : 'No executions.');
      message.hidden = data.length > 0;
      prev.disabled = cursors.length <= 1;
      next.disabled = !nextAfter;
      pageLabel.textContent = `Page ${cursors.length}`;
    } catch (e) {
      if (!page.alive) return;
      error.textContent = messageOf(e);
      error.hidden = false;
    }
  }

  // Reloads the current page (one request at a time).
  function refresh() {
    if (!loading) loading = load().finally(() => { loading = null; });
    return loading;
  }

  filter.addEventListener('change', () => {
    cursors = [null];
    refresh();
  });
  next.addEventListener('click', async () => {
    if (!nextAfter) return;
    await loading;
    cursors.push(nextAfter);
    await refresh();
  });
  prev.addEventListener('click', async () => {
    if (cursors.length <= 1) return;
    await loading;
    cursors.pop();
    await refresh();
  });

  return {el, refresh};
}

