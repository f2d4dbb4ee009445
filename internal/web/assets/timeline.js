// casefile web workspace: the query timeline (vis-timeline). Item
// labels are DOM text nodes, never HTML strings, so subjects from the
// case cannot inject markup.
(function () {
  'use strict';
  var el = document.getElementById('timeline');
  if (!el || typeof vis === 'undefined') return;
  var status = document.getElementById('timeline-status');
  var base = el.getAttribute('data-base') || '';

  function label(it) {
    var span = document.createElement('span');
    span.textContent = (it.from ? it.from + ': ' : '') + (it.subject || '(no subject)');
    return span;
  }

  fetch(el.getAttribute('data-src'), { credentials: 'same-origin' })
    .then(function (r) {
      if (!r.ok) return r.text().then(function (t) { throw new Error(t); });
      return r.json();
    })
    .then(function (d) {
      var items = new vis.DataSet(d.items.map(function (it) {
        return { id: it.id, message: it.message || it.id, start: it.start, content: label(it), className: 'kind-' + it.kind };
      }));
      var tl = new vis.Timeline(el, items, {
        stack: true, maxHeight: 640, zoomMin: 60 * 60 * 1000, showTooltips: false, selectable: true
      });
      tl.on('select', function (p) {
        if (!p.items || !p.items.length) return;
        var it = items.get(p.items[0]);
        if (it && it.message) window.location.href = base + '/m/' + encodeURIComponent(it.message);
      });
      el.setAttribute('data-items', String(d.shown));
      var msg = d.shown + (d.shown === 1 ? ' entry' : ' entries') + ' on the timeline';
      if (d.shown < d.total - d.undated) msg += ' (the first ' + d.shown + ' by date of ' + (d.total - d.undated) + ' dated matches: narrow the query to see the rest)';
      if (d.undated) msg += '; ' + d.undated + ' undated message' + (d.undated === 1 ? ' is' : 's are') + ' not drawn';
      status.textContent = msg + '.';
    })
    .catch(function (err) {
      status.textContent = 'The timeline could not be loaded: ' + err.message;
    });
})();
