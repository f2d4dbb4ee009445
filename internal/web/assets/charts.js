// casefile web workspace: bar charts by month (vis Graph2d) for the
// person and pair pages. The data is a JSON block in the page
// (<script type="application/json">), read as data, never executed.
// Series names are fixed labels chosen by the server, never case text.
(function () {
  'use strict';
  if (typeof vis === 'undefined') return;
  document.querySelectorAll('[data-chart]').forEach(function (el) {
    var src = document.getElementById(el.getAttribute('data-chart'));
    if (!src) return;
    var d;
    try { d = JSON.parse(src.textContent); } catch (e) { return; }
    var items = [], groups = new vis.DataSet(), months = [];
    (d.series || []).forEach(function (s) {
      groups.add({ id: s.group, content: s.group, className: 'series-' + s.group });
      Object.keys(s.points || {}).forEach(function (m) {
        items.push({ x: m + '-15', y: s.points[m], group: s.group });
        months.push(m);
      });
    });
    if (!items.length) {
      el.textContent = 'No dated messages.';
      el.setAttribute('data-bars', '0');
      return;
    }
    months.sort();
    var start = new Date(months[0] + '-01T00:00:00Z');
    var end = new Date(months[months.length - 1] + '-28T00:00:00Z');
    start.setUTCMonth(start.getUTCMonth() - 1);
    end.setUTCMonth(end.getUTCMonth() + 1);
    new vis.Graph2d(el, new vis.DataSet(items), groups, {
      style: 'bar', stack: true, barChart: { width: 20, align: 'center' },
      drawPoints: false, legend: false, start: start, end: end, height: '220px',
      dataAxis: { left: { range: { min: 0 } } }, orientation: 'bottom'
    });
    el.setAttribute('data-bars', String(items.length));
  });
})();
