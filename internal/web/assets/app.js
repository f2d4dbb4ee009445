// casefile web workspace: keyboard navigation. Served from the server
// itself (the pages' Content-Security-Policy allows no inline script).
//   /        focus the search box
//   j / k    next / previous search result
//   Enter    open the selected result (it is focused, so the browser follows it)
//   Escape   leave the search box
(function () {
  'use strict';
  var cur = -1;

  function hits() {
    return Array.prototype.slice.call(document.querySelectorAll('.hit'));
  }

  function select(i) {
    var hs = hits();
    if (!hs.length) return;
    i = Math.max(0, Math.min(i, hs.length - 1));
    hs.forEach(function (h) { h.classList.remove('selected'); h.removeAttribute('aria-current'); });
    var h = hs[i];
    h.classList.add('selected');
    h.setAttribute('aria-current', 'true');
    var a = h.querySelector('a.subj');
    if (a) a.focus({ preventScroll: true });
    h.scrollIntoView({ block: 'nearest' });
    cur = i;
  }

  function typing(t) {
    return t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT' || t.isContentEditable);
  }

  document.addEventListener('keydown', function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    var t = e.target;
    if (typing(t)) {
      if (e.key === 'Escape') t.blur();
      return;
    }
    if (e.key === '/') {
      var q = document.getElementById('q');
      if (q) {
        e.preventDefault();
        q.focus();
        q.select();
      }
      return;
    }
    if (e.key === 'j') {
      e.preventDefault();
      select(cur + 1);
    } else if (e.key === 'k') {
      e.preventDefault();
      select(cur < 0 ? 0 : cur - 1);
    } else if (e.key === 'Enter' && cur >= 0 && (!t || t.tagName !== 'A')) {
      var a = hits()[cur] && hits()[cur].querySelector('a.subj');
      if (a) {
        e.preventDefault();
        a.click();
      }
    }
  });

  document.addEventListener('htmx:afterSwap', function (e) {
    if (e.target && e.target.querySelector && e.target.querySelector('.hit')) cur = -1;
  });
})();
