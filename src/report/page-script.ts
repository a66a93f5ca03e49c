/**
 * The script the HTML report runs: it draws the chart specs (see charts.ts)
 * with uPlot and redraws them at the new width when the window is resized.
 * It decides nothing about the data, so that stays typed and tested in Node;
 * it is plain ES2017 so it runs as is in any current browser, offline.
 */
export const PAGE_SCRIPT = String.raw`(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('report-data').textContent);
  var HEIGHT = 240;

  function num(v, digits) {
    return v.toLocaleString('en-US', { maximumFractionDigits: digits });
  }
  // unit 'ms_as_s': a millisecond chart whose values reach 10 s is read in seconds throughout, ticks and legend alike.
  function format(unit, v) {
    if (v === null || v === undefined || !isFinite(v)) return '–';
    var a = Math.abs(v);
    var d = a >= 100 ? 0 : a >= 10 ? 1 : 2;
    switch (unit) {
      case 'ms': return num(v, d) + ' ms';
      case 'ms_as_s': return num(v / 1000, a >= 100000 ? 0 : 1) + ' s';
      case 's': return num(v, d) + ' s';
      case 'per_s': return num(v, d) + '/s';
      case 'share': return num(v * 100, 2) + ' %';
      default: return num(v, d);
    }
  }
  // Seconds since start, on whole periods: ticks at 2.5 s steps say nothing about 10-second periods.
  function seconds(v) {
    if (v < 120) return num(v, 0) + ' s';
    var m = Math.floor(v / 60), r = Math.round(v % 60);
    return r === 0 ? m + ' min' : m + ':' + (r < 10 ? '0' : '') + r;
  }
  var X_INCRS = [10, 20, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200];
  function zeroBased(u, min, max) {
    var top = max > 0 ? max * 1.1 : 1;
    return [Math.min(0, min), top];
  }
  function xRange(u, min, max) {
    return min === max ? [min - 5, max + 5] : [min, max];
  }

  function largest(c) {
    var m = 0;
    c.series.forEach(function (s) { s.values.forEach(function (v) { if (v !== null && v > m) m = v; }); });
    return m;
  }
  // Tick labels differ in length ('5 ms', '1,500 ms'): the axis takes the room its longest label needs.
  function axisSize(u, values) {
    if (!values) return 48;
    var n = 0;
    values.forEach(function (v) { if (v && String(v).length > n) n = String(v).length; });
    return Math.max(48, n * 7 + 20);
  }

  var plots = [];
  data.charts.forEach(function (c, i) {
    if (!c.series.length) return;
    var unit = c.unit === 'ms' && largest(c) >= 10000 ? 'ms_as_s' : c.unit;
    // The history page's charts run over runs, not seconds.
    var runs = c.xAxis === 'runs';
    var xValue = runs ? function (v) { return 'run ' + num(v, 0); } : function (v) { return 't+' + seconds(v); };
    var el = document.getElementById('chart-' + i);
    if (!el) return;
    var opts = {
      width: Math.max(280, el.clientWidth),
      height: HEIGHT,
      scales: { x: { time: false, range: xRange }, y: { range: zeroBased } },
      cursor: { drag: { x: false, y: false }, points: { size: 7 } },
      legend: { live: true },
      series: [{ label: runs ? 'run' : 'time', value: function (u, v) { return v === null || v === undefined ? '–' : xValue(v); } }].concat(
        c.series.map(function (s) {
          return {
            label: s.label,
            show: !s.hidden,
            stroke: s.color,
            // Reference lines (SLOs, the planned profile) are thin and carry no points: they are not measurements.
            width: s.markers ? 0 : s.reference ? 1.5 : 2,
            dash: s.dash || undefined,
            points: { show: !s.reference, size: s.markers ? 12 : 6, fill: s.color },
            spanGaps: false,
            value: function (u, v) { return format(unit, v); }
          };
        })
      ),
      axes: [
        runs
          ? { label: 'run', labelSize: 20, stroke: '#444', grid: { stroke: '#eee' }, ticks: { stroke: '#ddd' },
              values: function (u, splits) { return splits.map(function (v) { return Number.isInteger(v) ? num(v, 0) : ''; }); } }
          : { label: 'time since start', labelSize: 20, stroke: '#444', grid: { stroke: '#eee' }, ticks: { stroke: '#ddd' }, incrs: X_INCRS,
              values: function (u, splits) { return splits.map(seconds); } },
        { size: axisSize, stroke: '#444', grid: { stroke: '#eee' }, ticks: { stroke: '#ddd' },
          values: function (u, splits) { return splits.map(function (v) { return format(unit, v); }); } }
      ]
    };
    var plot = new uPlot(opts, [c.x].concat(c.series.map(function (s) { return s.values; })), el);
    plots.push({ plot: plot, el: el });
  });

  var pending = 0;
  window.addEventListener('resize', function () {
    cancelAnimationFrame(pending);
    pending = requestAnimationFrame(function () {
      plots.forEach(function (p) { p.plot.setSize({ width: Math.max(280, p.el.clientWidth), height: HEIGHT }); });
    });
  });
  document.documentElement.setAttribute('data-charts-drawn', String(plots.length));
})();
`;
