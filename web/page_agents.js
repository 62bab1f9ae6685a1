// #/agents (list) and #/agents/new, #/agents/<id> (create / edit form).

import {del, get, patch, post, seg} from './api.js';
import {browserZone, field, formatTime, h, replace, select} from './dom.js';
import {messageOf, navigate, toast} from './ui.js';

function hoursText(g) {
  if (!g) return 'Any time';
  const hh = (n) => `${String(n).padStart(2, '0')}:00`;
  return `${hh(g.call_start_hour)}–${hh(g.call_end_hour)} (${g.default_timezone})`;
}

export function renderAgents(main, _route, page) {
  const body = h('tbody');
  const status = h('p', {class: 'muted'}, 'Loading agents…');
  const error = h('p', {class: 'error', role: 'alert', hidden: true, 'data-testid': 'agents-error'});
  main.append(
      h('div', {class: 'page-head'}, h('h1', null, 'Agents'),
        h('a', {class: 'button primary', href: '#/agents/new', 'data-testid': 'agent-new'}, 'New agent')),
      h('p', {class: 'muted'}, 'An agent places the calls: its provider, pacing and calling hours.'),
      error, status,
      h('div', {class: 'table-wrap'},
        h('table', {'data-testid': 'agents-table'},
          h('thead', null, h('tr', null, ['Name', 'Provider', 'Concurrency', 'Calls/s', 'Calling hours', 'Created', '']
              .map((t) => h('th', {scope: 'col'}, t)))),
          body)));

  get('/agents').then((agents) => {
    if (!page.alive) return;
    status.hidden = agents.length > 0;
    status.textContent = 'No agents yet. Create one to start calling.';
    replace(body, agents.map((a) => h('tr', {'data-testid': 'agent-row', 'data-agent-id': a.agent_id},
      h('th', {scope: 'row'}, h('a', {href: `#/agents/${seg(a.agent_id)}`}, a.agent_name)),
      h('td', null, a.provider?.type ?? '—'),
      h('td', {class: 'num'}, a.max_concurrency),
      h('td', {class: 'num'}, a.calls_per_second === 0 ? 'unpaced' : a.calls_per_second),
      h('td', null, hoursText(a.calling_guardrails)),
      h('td', null, formatTime(a.created_at)),
      h('td', {class: 'row-actions'},
        h('a', {href: `#/agents/${seg(a.agent_id)}/batches`}, 'Batches'),
        h('a', {href: `#/upload?agent=${seg(a.agent_id)}`}, 'Upload'),
        h('a', {href: `#/agents/${seg(a.agent_id)}`}, 'Edit')))));
  }).catch((e) => {
    if (!page.alive) return;
    status.hidden = true;
    error.textContent = messageOf(e);
    error.hidden = false;
  });
}

// --- form ------------------------------------------------------------------

const SIM_RATES = [
  ['answer_rate', 'sim-answer-rate', 'Answered'],
  ['busy_rate', 'sim-busy-rate', 'Busy'],
  ['no_answer_rate', 'sim-no-answer-rate', 'No answer'],
  ['voicemail_rate', 'sim-voicemail-rate', 'Voicemail'],
  ['failure_rate', 'sim-failure-rate', 'Failed'],
];
const SIM_DEFAULTS = {speed: 1, seed: 0, answer_rate: 0.6, busy_rate: 0.1, no_answer_rate: 0.15, voicemail_rate: 0.1,
                      failure_rate: 0.05, ring_seconds: [3, 15], talk_seconds: [20, 90]};

const num = (attrs) => h('input', {type: 'number', inputmode: 'decimal', ...attrs});
const text = (attrs) => h('input', {type: 'text', ...attrs});
// A secret input: empty, the stored value shown only masked (as the API returns it).
const secret = (stored) => h('input', {type: 'password', autocomplete: 'new-password',
                                       placeholder: stored ? `${stored} (leave empty to keep)` : ''});

function headersToText(headers) {
  return Object.entries(headers || {}).map(([k, v]) => `${k}: ${v}`).join('\n');
}
function textToHeaders(value) {
  const out = {};
  for (const line of value.split('\n')) {
    if (!line.trim()) continue;
    const colon = line.indexOf(':');
    if (colon <= 0) throw new Error(`Header line “${line.trim()}” needs the form Name: value.`);
    out[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
  }
  return out;
}
const numberOrNull = (input) => (input.value.trim() === '' ? null : Number(input.value));

export function renderAgentForm(main, {params}, page) {
  const agentId = params[0] || null;
  const title = h('h1', null, agentId ? 'Edit agent' : 'New agent');
  const holder = h('div', null, h('p', {class: 'muted'}, 'Loading…'));
  main.append(h('p', {class: 'crumbs'}, h('a', {href: '#/agents'}, '← Agents')), title, holder);
  if (!agentId) {
    buildForm(holder, null, page);
    return;
  }
  get(`/agents/${seg(agentId)}`).then((agent) => {
    if (!page.alive) return;
    title.textContent = `Edit agent: ${agent.agent_name}`;
    buildForm(holder, agent, page);
  }).catch((e) => {
    if (!page.alive) return;
    replace(holder, h('p', {class: 'error', role: 'alert', 'data-testid': 'agent-form-error'}, messageOf(e)));
  });
}

function buildForm(holder, agent, page) {
  const p = agent?.provider ?? {type: 'simulator', ...SIM_DEFAULTS};
  const sim = p.type === 'simulator' ? {...SIM_DEFAULTS, ...p} : SIM_DEFAULTS;
  const g = agent?.calling_guardrails;

  const name = text({required: true, maxlength: '200', 'data-testid': 'agent-name', value: agent?.agent_name ?? ''});
  const type = select({'data-testid': 'agent-provider-type'},
                      [['simulator', 'Simulator (no real calls)'], ['twilio', 'Twilio'], ['http', 'Voice-agent server (HTTP)']],
                      p.type);

  // Simulator
  const s = {
    speed: num({min: '0.001', step: 'any', 'data-testid': 'sim-speed', value: sim.speed}),
    seed: num({step: '1', value: sim.seed}),
    ring_min: num({min: '0', step: 'any', value: sim.ring_seconds[0]}),
    ring_max: num({min: '0', step: 'any', value: sim.ring_seconds[1]}),
    talk_min: num({min: '0', step: 'any', value: sim.talk_seconds[0]}),
    talk_max: num({min: '0', step: 'any', value: sim.talk_seconds[1]}),
  };
  const rates = SIM_RATES.map(([key, testid, label]) =>
    [key, label, num({min: '0', max: '1', step: '0.01', 'data-testid': testid, value: sim[key]})]);
  const simBox = h('fieldset', {class: 'provider-fields'}, h('legend', null, 'Simulator'),
    h('div', {class: 'grid'},
      field('Speed', s.speed, '1 = real time; 100 = a hundred times faster.'),
      field('Seed', s.seed),
      field('Ring seconds (min)', s.ring_min), field('Ring seconds (max)', s.ring_max),
      field('Talk seconds (min)', s.talk_min), field('Talk seconds (max)', s.talk_max)),
    h('p', {class: 'hint'}, 'Outcome rates, each 0–1, summing to 1:'),
    h('div', {class: 'grid'}, rates.map(([, label, input]) => field(label, input))));

  // Twilio
  const tw = p.type === 'twilio' ? p : {};
  const t = {
    sid: text({value: tw.account_sid ?? '', placeholder: 'AC…', spellcheck: 'false'}),
    token: secret(tw.auth_token),
    twimlUrl: h('input', {type: 'url', value: tw.twiml_url ?? '', placeholder: 'https://…'}),
    twiml: h('textarea', {rows: '3', value: tw.twiml ?? ''}),
    amd: h('input', {type: 'checkbox', checked: Boolean(tw.machine_detection)}),
    baseUrl: h('input', {type: 'url', value: tw.base_url ?? '', placeholder: 'https://api.twilio.com'}),
    timeout: num({min: '5', max: '600', step: '1', value: tw.timeout ?? '', placeholder: '30'}),
  };
  const twBox = h('fieldset', {class: 'provider-fields'}, h('legend', null, 'Twilio'),
    h('div', {class: 'grid'},
      field('Account SID', t.sid), field('Auth token', t.token),
      field('TwiML URL', t.twimlUrl), field('Base URL', t.baseUrl),
      field('Ring timeout (seconds)', t.timeout)),
    field('TwiML (instead of a URL)', t.twiml),
    h('div', {class: 'check'}, t.amd, h('label', {for: t.amd.id = 'tw-amd'}, 'Answering-machine detection')));

  // HTTP voice-agent server
  const hp = p.type === 'http' ? p : {};
  const x = {
    url: h('input', {type: 'url', value: hp.url ?? '', placeholder: 'https://…'}),
    secret: secret(hp.signing_secret),
    remote: text({value: hp.remote_agent_id ?? ''}),
    timeout: num({min: '1', step: 'any', value: hp.result_timeout_seconds ?? '', placeholder: '3600'}),
    headers: h('textarea', {rows: '3', spellcheck: 'false', value: headersToText(hp.headers),
                            placeholder: 'X-Api-Key: value'}),
  };
  const httpBox = h('fieldset', {class: 'provider-fields'}, h('legend', null, 'Voice-agent server'),
    h('div', {class: 'grid'},
      field('URL', x.url), field('Signing secret', x.secret, '16–256 characters.'),
      field('Remote agent id', x.remote), field('Result timeout (seconds)', x.timeout)),
    field('Headers (one “Name: value” per line)', x.headers,
          'Stored values are shown masked; leave a masked value as it is to keep it.'));

  const boxes = {simulator: simBox, twilio: twBox, http: httpBox};
  const showProvider = () => {
    for (const [k, box] of Object.entries(boxes)) box.hidden = k !== type.value;
  };
  type.addEventListener('change', showProvider);
  showProvider();

  // Pacing, calling hours, caller ids
  const conc = num({min: '1', max: '1000', step: '1', 'data-testid': 'agent-max-concurrency',
                    value: agent?.max_concurrency ?? 10});
  const cps = num({min: '0', max: '1000', step: 'any', 'data-testid': 'agent-cps', value: agent?.calls_per_second ?? 1});
  const start = num({min: '0', max: '23', step: '1', 'data-testid': 'agent-call-start-hour',
                     value: g?.call_start_hour ?? '', placeholder: '9'});
  const end = num({min: '1', max: '24', step: '1', 'data-testid': 'agent-call-end-hour',
                   value: g?.call_end_hour ?? '', placeholder: '21'});
  const zone = text({'data-testid': 'agent-timezone', value: g?.default_timezone ?? browserZone(),
                     spellcheck: 'false', autocomplete: 'off'});
  const from = text({value: (agent?.from_phone_numbers ?? []).join(', '), placeholder: '+14155550100',
                     spellcheck: 'false'});
  const hook = h('input', {type: 'url', value: agent?.webhook_url ?? '', placeholder: 'https://…'});
  const welcome = h('textarea', {rows: '2', value: agent?.welcome_message ?? ''});

  const error = h('p', {class: 'error', role: 'alert', hidden: true, 'data-testid': 'agent-form-error'});
  const save = h('button', {type: 'submit', class: 'primary', 'data-testid': 'agent-save'},
                 agent ? 'Save changes' : 'Create agent');

  const form = h('form', {class: 'card', novalidate: true},
    h('div', {class: 'grid'}, field('Name', name), field('Provider', type)),
    simBox, twBox, httpBox,
    h('fieldset', null, h('legend', null, 'Pacing'),
      h('div', {class: 'grid'},
        field('Max concurrent calls', conc, '1–1000 calls at once.'),
        field('Calls per second', cps, '0 = unpaced.'))),
    h('fieldset', null, h('legend', null, 'Calling hours'),
      h('p', {class: 'hint'}, 'Calls are placed only between these hours of the recipient’s local time ' +
        '(start inclusive, end exclusive). Leave both hours empty to call at any time.'),
      h('div', {class: 'grid'},
        field('Start hour (0–23)', start), field('End hour (1–24)', end),
        field('Time zone (when the number’s own zone is unknown)', zone, 'An IANA name, e.g. Europe/Paris.'))),
    h('fieldset', null, h('legend', null, 'Calls'),
      field('Caller ids (E.164, comma separated)', from),
      field('Webhook URL', hook),
      field('Welcome message', welcome)),
    error,
    h('div', {class: 'actions'}, save, h('a', {class: 'button', href: '#/agents'}, 'Cancel')));

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.hidden = true;
    let body;
    try {
      body = collect();
    } catch (e) {
      error.textContent = e.message;
      error.hidden = false;
      return;
    }
    save.disabled = true;
    try {
      if (agent) await patch(`/agents/${seg(agent.agent_id)}`, body);
      else await post('/agents', body);
      if (!page.alive) return;
      toast(agent ? 'Agent saved.' : 'Agent created.');
      navigate('#/agents');
    } catch (e) {
      if (!page.alive) return;
      error.textContent = messageOf(e);
      error.hidden = false;
      error.scrollIntoView({block: 'nearest'});
    } finally {
      save.disabled = false;
    }
  });

  function collect() {
    const body = {agent_name: name.value.trim()};
    if (!body.agent_name) throw new Error('Give the agent a name.');
    const provider = {type: type.value};
    if (type.value === 'simulator') {
      provider.speed = Number(s.speed.value);
      provider.seed = Math.trunc(Number(s.seed.value || 0));
      for (const [key, , input] of rates) provider[key] = Number(input.value || 0);
      provider.ring_seconds = [Number(s.ring_min.value), Number(s.ring_max.value)];
      provider.talk_seconds = [Number(s.talk_min.value), Number(s.talk_max.value)];
    } else if (type.value === 'twilio') {
      provider.account_sid = t.sid.value.trim();
      if (t.token.value) provider.auth_token = t.token.value;
      else if (!(p.type === 'twilio' && p.auth_token)) throw new Error('Enter the Twilio auth token.');
      if (t.twimlUrl.value.trim()) provider.twiml_url = t.twimlUrl.value.trim();
      if (t.twiml.value.trim()) provider.twiml = t.twiml.value;
      provider.machine_detection = t.amd.checked;
      if (t.baseUrl.value.trim()) provider.base_url = t.baseUrl.value.trim();
      if (t.timeout.value.trim()) provider.timeout = Math.trunc(Number(t.timeout.value));
    } else {
      provider.url = x.url.value.trim();
      if (x.secret.value) provider.signing_secret = x.secret.value;
      if (x.remote.value.trim()) provider.remote_agent_id = x.remote.value.trim();
      if (x.timeout.value.trim()) provider.result_timeout_seconds = Number(x.timeout.value);
      provider.headers = textToHeaders(x.headers.value);
    }
    body.provider = provider;
    body.max_concurrency = Math.trunc(Number(conc.value));
    body.calls_per_second = Number(cps.value);
    const startHour = numberOrNull(start);
    const endHour = numberOrNull(end);
    if (startHour === null && endHour === null) {
      if (agent?.calling_guardrails) body.calling_guardrails = null;
    } else {
      if (startHour === null || endHour === null) throw new Error('Give both the start and the end hour, or neither.');
      body.calling_guardrails = {call_start_hour: startHour, call_end_hour: endHour,
                                 default_timezone: zone.value.trim() || browserZone()};
    }
    body.from_phone_numbers = from.value.split(/[\s,;]+/).filter(Boolean);
    body.webhook_url = hook.value.trim() || null;
    if (!agent && body.webhook_url === null) delete body.webhook_url;
    body.welcome_message = welcome.value;
    return body;
  }

  replace(holder, form);
  if (agent) holder.append(deleteSection(agent, page));
}

function deleteSection(agent, page) {
  const error = h('p', {class: 'error', role: 'alert', hidden: true});
  const confirmBox = h('div', {class: 'confirm', hidden: true}, 
    h('p', null, `Delete “${agent.agent_name}”? Its batches must not be scheduled, running or paused.`),
    h('button', {type: 'button', class: 'danger', 'data-testid': 'confirm-yes', onclick: async () => {
      try {
        await del(`/agents/${seg(agent.agent_id)}`);
        if (!page.alive) return;
        toast('Agent deleted.');
        navigate('#/agents');
      } catch (e) {
        if (!page.alive) return;
        error.textContent = messageOf(e);
        error.hidden = false;
      }
    }}, 'Yes, delete'),
    h('button', {type: 'button', onclick: () => { confirmBox.hidden = true; }}, 'Cancel'));
  return h('section', {class: 'card danger-zone'}, h('h2', null, 'Delete agent'),
    h('button', {type: 'button', class: 'danger', 'data-testid': 'agent-delete',
                 onclick: () => { confirmBox.hidden = false; }}, 'Delete agent…'),
    confirmBox, error);
}
