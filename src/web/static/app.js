// Kobling pages: small behaviours htmx does not cover. No build step; plain browser JavaScript.
(() => {
  // "Select all" checkboxes toggle the row checkboxes of their form.
  document.addEventListener('change', (event) => {
    const box = event.target;
    if (!(box instanceof HTMLInputElement) || !box.dataset.selectAll) return;
    const form = document.getElementById(box.dataset.selectAll);
    if (!form) return;
    for (const row of form.querySelectorAll('input[type=checkbox][name=ids]')) {
      row.checked = box.checked;
    }
  });

  // Live progress: an element with data-events="<url>" listens to server-sent events; each event
  // carries HTML for the element (escaped by the server), and "done" ends the stream.
  const follow = (root) => {
    const found = [...root.querySelectorAll('[data-events]')];
    if (root.dataset?.events) found.push(root);
    for (const el of found) {
      if (el.dataset.following) continue;
      el.dataset.following = 'yes';
      const source = new EventSource(el.dataset.events);
      // htmx wires only what it swaps in itself: the buttons an event brings (a finished line's
      // Restart) are handed to it, or they would do nothing.
      const show = (html) => {
        el.innerHTML = html;
        window.htmx?.process(el);
      };
      source.addEventListener('progress', (e) => show(e.data));
      source.addEventListener('done', (e) => {
        show(e.data);
        source.close();
        document.body.dispatchEvent(new CustomEvent('list-changed', { bubbles: true }));
      });
      source.onerror = () => {
        if (source.readyState === EventSource.CLOSED) return;
      };
    }
  };
  document.addEventListener('DOMContentLoaded', () => follow(document));
  document.addEventListener('htmx:afterSettle', (e) => follow(e.target));
  // An element swapped in out of band (beside a flash message) is followed too.
  document.addEventListener('htmx:oobAfterSwap', (e) => follow(e.target));

  // A request that got no answer at all (the server stopped, the network gone): htmx swaps
  // nothing, and the click would seem to have done nothing. Said where answers go.
  document.addEventListener('htmx:sendError', () => {
    const flash = document.getElementById('flash');
    if (!flash) return;
    const banner = document.createElement('div');
    banner.className = 'banner error';
    banner.setAttribute('role', 'alert');
    const title = document.createElement('strong');
    title.textContent = 'No answer from Kobling';
    const text = document.createElement('p');
    text.textContent =
      'The server did not answer (stopped, or the network is down), so whether it was done is not known here. Reload the page once it is back to see.';
    banner.append(title, text);
    flash.replaceChildren(banner);
  });

  // After an action, move focus to its message so keyboard and screen-reader users hear it.
  document.addEventListener('htmx:afterSwap', (e) => {
    if (e.target && e.target.id === 'flash' && e.target.firstElementChild) {
      e.target.setAttribute('tabindex', '-1');
      e.target.focus({ preventScroll: false });
    }
  });
})();
