// The dashboard's entry point: hash routing, the shell (navigation, toast,
// live region) and page lifecycle. Pages are modules exporting
// render(container, params, page) that may return a cleanup function; `page`
// tells them whether they are still shown (page.alive) so late answers and
// polling never touch a page the user has left.

import {clearKey, getKey, setUnauthorizedHandler} from './api.js';
import {h, replace} from './dom.js';
import {navigate, setLoginMessage, toast} from './ui.js';
import {renderLogin} from './page_login.js';
import {renderAgents, renderAgentForm} from './page_agents.js';
import {renderAgentBatches} from './page_batches.js';
import {renderUpload} from './page_upload.js';
import {renderBatch} from './page_batch.js';

const main = document.getElementById('main');
const nav = document.getElementById('nav');

let current = null;  // the shown page: {alive, cleanup}

function signOut(message) {
  clearKey();
  setLoginMessage(message);
  navigate('#/login');
}

setUnauthorizedHandler((message) => {
  signOut(`Signed out: ${message} Enter a valid API key.`);
});

const routes = [
  [/^\/login$/, renderLogin, 'Sign in'],
  [/^\/agents$/, renderAgents, 'Agents'],
  [/^\/agents\/new$/, renderAgentForm, 'New agent'],
  [/^\/agents\/([^/]+)\/batches$/, renderAgentBatches, 'Batches'],
  [/^\/agents\/([^/]+)$/, renderAgentForm, 'Edit agent'],
  [/^\/upload$/, renderUpload, 'Upload contacts'],
  [/^\/batches\/([^/]+)$/, renderBatch, 'Batch'],
];

function parseHash() {
  const raw = location.hash.replace(/^#/, '') || '/';
  const q = raw.indexOf('?');
  const path = q < 0 ? raw : raw.slice(0, q);
  const query = new URLSearchParams(q < 0 ? '' : raw.slice(q + 1));
  return {path, query};
}

function route() {
  if (current) {
    current.alive = false;
    try {
      current.cleanup?.();
    } catch (e) {
      // a page's cleanup must never break navigation
      console.warn('page cleanup failed', e);
    }
    current = null;
  }
  const {path, query} = parseHash();
  const signedIn = Boolean(getKey());
  nav.hidden = !signedIn;
  if (!signedIn && path !== '/login') {
    location.replace('#/login');
    return;
  }
  if (path === '/' || (signedIn && path === '/login')) {
    location.replace('#/agents');
    return;
  }
  for (const [pattern, render, title] of routes) {
    const m = pattern.exec(path);
    if (!m) continue;
    document.title = `${title} · batchcall`;
    markNav(path);
    const page = {alive: true, cleanup: null};
    current = page;
    replace(main);
    const params = m.slice(1).map((p) => {
      try {
        return decodeURIComponent(p);
      } catch {
        return p;
      }
    });
    try {
      page.cleanup = render(main, {params, query}, page) || null;
    } catch (e) {
      console.error(e);
      replace(main, h('h1', {tabindex: '-1'}, 'Something went wrong'),
              h('p', {class: 'error', role: 'alert'}, 'This page could not be shown. Reload to try again.'));
    }
    const heading = main.querySelector('h1');
    if (heading && document.activeElement !== main && !main.contains(document.activeElement)) {
      heading.setAttribute('tabindex', '-1');
      heading.focus({preventScroll: true});
    }
    return;
  }
  document.title = 'Not found · batchcall';
  replace(main, h('h1', {tabindex: '-1'}, 'Page not found'),
          h('p', null, 'There is no page here. ', h('a', {href: '#/agents'}, 'Go to the agents.')));
}

function markNav(path) {
  for (const a of nav.querySelectorAll('a')) {
    const target = a.getAttribute('href').slice(1);
    if (path === target || (target === '/agents' && path.startsWith('/agents'))) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

document.getElementById('signout').addEventListener('click', () => {
  signOut('You have signed out.');
});

// A stray rejection must never leave the user with a silent, stuck page.
window.addEventListener('unhandledrejection', (event) => {
  event.preventDefault();
  const message = event.reason && event.reason.name === 'ApiError' ? event.reason.message : 'Something went wrong.';
  toast(message, 'error');
});

window.addEventListener('hashchange', route);
route();
