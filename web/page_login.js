// #/login: the API key is checked with GET /agents and kept in
// sessionStorage only (gone when the tab closes).

import {ApiError, clearKey, request, setKey} from './api.js';
import {field, h} from './dom.js';
import {navigate, takeLoginMessage} from './ui.js';

export function renderLogin(main, _route, page) {
  const key = h('input', {type: 'password', autocomplete: 'current-password', required: true, spellcheck: 'false',
                          'data-testid': 'login-key', name: 'api_key'});
  const error = h('p', {class: 'error', role: 'alert', 'data-testid': 'login-error'});
  const message = takeLoginMessage();
  error.textContent = message;
  error.hidden = !message;
  const submit = h('button', {type: 'submit', class: 'primary', 'data-testid': 'login-submit'}, 'Sign in');

  const form = h('form', {class: 'card narrow', novalidate: true}, [
    field('API key', key, 'The key printed by the first start of batchcall serve, BATCHCALL_API_KEY, or one ' +
                          'made with “batchcall keys create”. It is kept in this browser tab only.'),
    error,
    h('div', {class: 'actions'}, submit),
  ]);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const value = key.value.trim();
    if (!value) {
      error.textContent = 'Enter your API key.';
      error.hidden = false;
      key.focus();
      return;
    }
    submit.disabled = true;
    error.hidden = true;
    try {
      await request('GET', '/agents', {key: value, handle401: true});
      if (!page.alive) return;
      setKey(value);
      navigate('#/agents');
    } catch (e) {
      if (!page.alive) return;
      clearKey();
      error.textContent = e instanceof ApiError && e.status === 401
        ? 'That API key was not accepted. Check it and try again.'
        : (e.message || 'Sign-in failed.');
      error.hidden = false;
      key.focus();
      key.select();
    } finally {
      submit.disabled = false;
    }
  });

  main.append(h('div', {class: 'login'}, h('h1', null, 'Sign in'),
                h('p', {class: 'muted'}, 'Run, schedule and watch call batches.'), form));
  key.focus();
}
