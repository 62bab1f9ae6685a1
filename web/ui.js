// Shell services shared by the pages: toast, screen-reader announcements,
// navigation, the one-shot message for the login page.

let toastTimer = null;

// Shows a short message at the bottom of the window; kind: 'info' | 'error'.
export function toast(text, kind = 'info') {
  const el = document.getElementById('toast');
  el.textContent = text;
  el.className = `toast toast-${kind}`;
  el.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { el.hidden = true; }, kind === 'error' ? 8000 : 4000);
}

// Announces a status change to screen readers (polite; not shown).
export function announce(text) {
  const el = document.getElementById('live');
  el.textContent = '';
  // A separate task so a repeated identical message is announced again.
  setTimeout(() => { el.textContent = text; }, 50);
}

// Goes to a hash route; re-renders when it is the current one.
export function navigate(hash) {
  if (location.hash === hash) window.dispatchEvent(new Event('hashchange'));
  else location.hash = hash;
}

let loginMessage = '';
export function setLoginMessage(text) {
  loginMessage = text || '';
}
// The message the login page shows once (e.g. why the user was signed out).
export function takeLoginMessage() {
  const m = loginMessage;
  loginMessage = '';
  return m;
}

// A readable message for anything thrown by the API client or a page.
export function messageOf(error) {
  if (error && error.name === 'ApiError') return error.message;
  console.error(error);
  return 'Something went wrong in the dashboard. Reload the page to try again.';
}
