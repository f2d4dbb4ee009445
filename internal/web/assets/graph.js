// casefile web workspace: the who-wrote-to-whom graph (cytoscape).
// Labels are drawn on a canvas as text, so names from the case cannot
// inject markup. Clicking a person opens their page, clicking an arrow
// the contact timeline of the two.
(function () {
  'use strict';
  var el = document.getElementById('graph');
  if (!el || typeof cytoscape === 'undefined') return;
  var status = document.getElementById('graph-status');
  var base = el.getAttribute('data-base') || '';
  fetch(el.getAttribute('data-src'), { credentials: 'same-origin' })
    .then(function (r) {
      if (!r.ok) return r.text().then(function (t) { throw new Error(t); });
      return r.json();
    })
    .then(function (d) {
      var maxW = 1, maxN = 1;
      d.edges.forEach(function (e) { maxW = Math.max(maxW, e.weight); });
      d.nodes.forEach(function (n) { maxN = Math.max(maxN, n.sent + n.received); });
      var els = [];
      d.nodes.forEach(function (n) {
        els.push({ group: 'nodes', data: { id: n.id, label: n.label || n.address || n.id, size: 16 + 40 * Math.sqrt((n.sent + n.received) / maxN) } });
      });
      d.edges.forEach(function (e, i) {
        els.push({ group: 'edges', data: { id: 'e' + i, source: e.source, target: e.target, weight: e.weight,
          width: 1 + 9 * e.weight / maxW, pair: e.pair } });
      });
      var cy = cytoscape({
        container: el,
        elements: els,
        wheelSensitivity: 0.3,
        style: [
          { selector: 'node', style: { 'label': 'data(label)', 'width': 'data(size)', 'height': 'data(size)',
            'background-color': '#1a4d8f', 'color': '#16202a', 'font-size': 11, 'text-valign': 'bottom', 'text-margin-y': 4 } },
          { selector: 'edge', style: { 'width': 'data(width)', 'line-color': '#9bbbe6', 'target-arrow-color': '#9bbbe6',
            'target-arrow-shape': 'triangle', 'curve-style': 'bezier', 'label': 'data(weight)', 'font-size': 9, 'color': '#5d6b78' } },
          { selector: ':selected', style: { 'background-color': '#e07b00', 'line-color': '#e07b00', 'target-arrow-color': '#e07b00' } }
        ],
        layout: { name: d.nodes.length > 300 ? 'grid' : 'cose', animate: false, randomize: false, nodeRepulsion: 8000 }
      });
      cy.on('tap', 'node', function (ev) { window.location.href = base + '/p/' + encodeURIComponent(ev.target.id()); });
      cy.on('tap', 'edge', function (ev) { window.location.href = ev.target.data('pair'); });
      el.setAttribute('data-nodes', String(cy.nodes().length));
      el.setAttribute('data-edges', String(cy.edges().length));
      var msg = cy.nodes().length + ' people, ' + cy.edges().length + ' arrows';
      if (d.omitted) msg += ' (' + d.omitted + ' less connected people left out: raise “at most … people” to see them)';
      status.textContent = msg + '.';
    })
    .catch(function (err) { status.textContent = 'The graph could not be loaded: ' + err.message; });
})();
