// #/upload[?agent=<id>]: upload a contacts CSV. POST /batches creates the
// batch in `created` (nothing is dialled); the page then shows the
// validation report and lets the user start now, schedule, or discard.

import {del, get, post, request, seg} from './api.js';
import {field, h, replace, select} from './dom.js';
import {scheduleControls} from './schedule.js';
import {announce, messageOf, navigate, toast} from './ui.js';

const MAX_SHOWN_ROWS = 200;

function rejectedTable(rows, testid, rowTestid) {
  return h('div', {class: 'table-wrap'},
    h('table', {'data-testid': testid},
      h('thead', null, h('tr', null, ['Line', 'Value', 'Reason', 'Message'].map((t) => h('th', {scope: 'col'}, t)))),
      h('tbody', null, rows.slice(0, MAX_SHOWN_ROWS).map((r) => h('tr', {'data-testid': rowTestid},
        h('td', {class: 'num'}, r.line ?? '—'),
        h('td', {class: 'mono'}, r.contact_number ?? r.value ?? ''),
        h('td', null, h('code', null, r.code ?? '')),
        h('td', null, r.message ?? ''))))));
}

export function renderUpload(main, {query}, page) {
  const agentSel = select({'data-testid': 'upload-agent', required: true}, [['', 'Loading agents…']]);
  const file = h('input', {type: 'file', accept: '.csv,text/csv', required: true, 'data-testid': 'upload-file'});
  const mode = select({'data-testid': 'upload-mode'},
                      [['strict', 'Strict (valid numbers only)'], ['possible', 'Possible (plausible length)'],
                       ['e164', 'E.164 format only']], 'strict');
  const country = h('input', {type: 'text', maxlength: '2', autocomplete: 'off', spellcheck: 'false',
                              placeholder: 'e.g. US', 'data-testid': 'upload-country'});
  const dups = h('input', {type: 'checkbox', id: 'upload-dups', 'data-testid': 'upload-allow-duplicates'});
  const submit = h('button', {type: 'submit', class: 'primary', 'data-testid': 'upload-submit'}, 'Upload and check');
  const error = h('div', {class: 'error-box', role: 'alert', hidden: true, 'data-testid': 'upload-error'});
  const result = h('section', {class: 'report', 'aria-label': 'Validation report'});

  const form = h('form', {class: 'card', novalidate: true},
    h('div', {class: 'grid'},
      field('Agent', agentSel),
      field('Contacts file (CSV)', file, 'Needs a contact_number column; other columns become call variables.'),
      field('Phone validation', mode),
      field('Default country', country, 'ISO code applied to numbers without +; leave empty to reject them.')),
    h('div', {class: 'check'}, dups, h('label', {for: 'upload-dups'}, 'Keep repeated numbers')),
    h('div', {class: 'actions'}, submit));

  main.append(h('h1', null, 'Upload contacts'),
              h('p', {class: 'muted'}, 'The file is checked first; nothing is dialled until you start or schedule the batch.'),
              form, error, result);

  get('/agents').then((agents) => {
    if (!page.alive) return;
    const wanted = query.get('agent');
    const options = agents.map((a) => h('option', {value: a.agent_id}, a.agent_name));
    if (agents.length === 0) options.push(h('option', {value: ''}, 'No agents — create one first'));
    replace(agentSel, options);
    if (wanted && agents.some((a) => a.agent_id === wanted)) agentSel.value = wanted;
  }).catch((e) => {
    if (!page.alive) return;
    showError(messageOf(e));
  });

  function showError(message, details) {
    replace(error, h('p', null, message));
    if (details && details.length) {
      error.append(h('p', null, `Rejected rows (${details.length}${details.length >= 100 ? ' or more' : ''}):`),
                   rejectedTable(details, 'upload-error-rows', 'upload-error-row'));
    }
    error.hidden = false;
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.hidden = true;
    replace(result);
    if (!agentSel.value) return showError('Choose an agent (create one on the Agents page first).');
    if (!file.files || file.files.length === 0) return showError('Choose a CSV file to upload.');
    const data = new FormData();
    data.append('agent_id', agentSel.value);
    data.append('file', file.files[0]);
    data.append('phone_validation', mode.value);
    if (country.value.trim()) data.append('default_country', country.value.trim().toUpperCase());
    if (dups.checked) data.append('allow_duplicates', 'true');
    submit.disabled = true;
    submit.textContent = 'Uploading…';
    try {
      const {data: created} = await request('POST', '/batches', {form: data});
      if (!page.alive) return;
      let rows = [];
      if (created.invalid_contacts > 0) rows = await get(`/batches/${seg(created.batch_id)}/report`);
      if (!page.alive) return;
      showReport(created, rows);
      announce(`Checked: ${created.valid_contacts} valid, ${created.invalid_contacts} rejected.`);
    } catch (e) {
      if (!page.alive) return;
      showError(messageOf(e), e.details);
      announce('The upload was refused.');
    } finally {
      submit.disabled = false;
      submit.textContent = 'Upload and check';
    }
  });

  function showReport(batch, rows) {
    const id = batch.batch_id;
    const actionError = h('p', {class: 'error', role: 'alert', hidden: true, 'data-testid': 'report-error'});
    const fail = (text) => {
      actionError.textContent = text;
      actionError.hidden = false;
    };
    const schedule = async (when) => {
      actionError.hidden = true;
      try {
        await post(`/batches/${seg(id)}/schedule`, {scheduled_at: when});
        if (!page.alive) return;
        toast(when === 'now' ? 'Batch started.' : 'Batch scheduled.');
        navigate(`#/batches/${seg(id)}`);
      } catch (e) {
        if (page.alive) fail(messageOf(e));
      }
    };
    const picker = scheduleControls('report', schedule, fail);
    picker.el.hidden = true;
    const startNow = h('button', {type: 'button', class: 'primary', 'data-testid': 'report-start-now'}, 'Start now');
    startNow.addEventListener('click', async () => {
      startNow.disabled = true;
      await schedule('now');
      startNow.disabled = false;
    });
    const scheduleBtn = h('button', {type: 'button', 'data-testid': 'report-schedule', 'aria-expanded': 'false'},
                          'Schedule…');
    scheduleBtn.addEventListener('click', () => {
      picker.el.hidden = !picker.el.hidden;
      scheduleBtn.setAttribute('aria-expanded', String(!picker.el.hidden));
      if (!picker.el.hidden) picker.focus();
    });
    const discard = h('button', {type: 'button', class: 'danger', 'data-testid': 'report-discard'}, 'Discard');
    discard.addEventListener('click', async () => {
      discard.disabled = true;
      try {
        await del(`/batches/${seg(id)}`);
        if (!page.alive) return;
        replace(result);
        form.reset();
        toast('Upload discarded; nothing was dialled.');
        submit.focus();
      } catch (e) {
        if (page.alive) fail(messageOf(e));
      } finally {
        discard.disabled = false;
      }
    });

    const stat = (label, value, testid, cls) =>
      h('div', {class: `stat ${cls || ''}`}, h('div', {class: 'stat-n', 'data-testid': testid}, String(value)),
        h('div', {class: 'stat-label'}, label));
    replace(result,
      h('h2', null, `Report for ${batch.file_name || 'your file'}`),
      h('div', {class: 'stats'},
        stat('Rows', batch.total_contacts, 'report-total'),
        stat('Valid', batch.valid_contacts, 'report-valid', 'ok'),
        stat('Rejected', batch.invalid_contacts, 'report-rejected', batch.invalid_contacts ? 'bad' : '')),
      rows.length
        ? [h('h3', null, 'Rejected rows'),
           rows.length > MAX_SHOWN_ROWS
             ? h('p', {class: 'muted'}, `Showing the first ${MAX_SHOWN_ROWS} of ${rows.length}; ` +
                 'the batch page has the full list as CSV.')
             : null,
           rejectedTable(rows, 'report-rows', 'report-row')]
        : h('p', {class: 'muted'}, 'Every row is valid.'),
      h('p', null, `${batch.valid_contacts} call${batch.valid_contacts === 1 ? '' : 's'} will be placed. ` +
                   'Nothing has been dialled yet.'),
      h('div', {class: 'actions'}, startNow, scheduleBtn, discard,
        h('a', {href: `#/batches/${seg(id)}`}, 'Open batch page')),
      picker.el, actionError);
    result.querySelector('h2').setAttribute('tabindex', '-1');
    result.querySelector('h2').focus();
  }
}
