// The schedule picker: a datetime-local input in the browser's zone, the
// zone and its UTC offset shown next to it, and the value sent as ISO 8601
// with that explicit offset (the API refuses times without one).
// Test ids: <prefix>-schedule-at, <prefix>-timezone, <prefix>-schedule-submit.

import {browserZone, dateToLocalInput, field, h, localInputToIso, offsetOf} from './dom.js';

// onSchedule(iso) is awaited; the caller shows its errors. onError(text)
// reports a local validation problem.
export function scheduleControls(prefix, onSchedule, onError) {
  const soon = new Date(Date.now() + 15 * 60 * 1000);
  soon.setSeconds(0, 0);
  const at = h('input', {type: 'datetime-local', 'data-testid': `${prefix}-schedule-at`, required: true,
                         value: dateToLocalInput(soon), min: dateToLocalInput(new Date())});
  const zone = h('span', {class: 'zone', 'data-testid': `${prefix}-timezone`});
  const updateZone = () => {
    const iso = localInputToIso(at.value);
    const date = iso ? new Date(iso) : new Date();
    zone.textContent = `${browserZone()} (UTC${offsetOf(date)})`;
  };
  at.addEventListener('input', updateZone);
  updateZone();
  const submit = h('button', {type: 'button', 'data-testid': `${prefix}-schedule-submit`}, 'Schedule');
  submit.addEventListener('click', async () => {
    const iso = localInputToIso(at.value);
    if (!iso) {
      onError('Pick a date and time to schedule the batch.');
      at.focus();
      return;
    }
    if (new Date(iso).getTime() < Date.now() - 5000) {
      onError('That time has passed; pick a later one or use Start now.');
      at.focus();
      return;
    }
    submit.disabled = true;
    try {
      await onSchedule(iso);
    } finally {
      submit.disabled = false;
    }
  });
  const el = h('div', {class: 'schedule'},
    field('Start at (your local time)', at), h('div', {class: 'zone-box'}, h('span', {class: 'muted'}, 'Time zone '), zone),
    submit);
  return {el, focus: () => at.focus(), input: at};
}
