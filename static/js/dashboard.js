// Draws the dashboard's charts from the JSON the page carries (json_script "dashboard-data"); every figure is also
// in a table next to its chart, so a missing chart library or an old browser loses nothing.
(function () {
  "use strict";
  function draw() {
    var source = document.getElementById("dashboard-data");
    if (!source || typeof window.Chart === "undefined") return;
    var data = JSON.parse(source.textContent);
    var palette = ["#1f4e79", "#c0392b", "#2e8b57", "#d68910", "#6c3483", "#17806d", "#7f8c8d", "#a04000", "#2471a3", "#b7950b", "#5d6d7e", "#922b21"];
    var common = { responsive: true, maintainAspectRatio: false, animation: false };
    function titled(title, extra) {
      var options = Object.assign({}, common, extra || {});
      options.plugins = Object.assign({ title: { display: true, text: title }, legend: { display: false } }, options.plugins || {});
      return options;
    }
    function bar(id, chart, horizontal) {
      var canvas = document.getElementById(id);
      if (!canvas) return;
      new window.Chart(canvas, {
        type: "bar",
        data: { labels: chart.labels, datasets: [{ label: chart.title, data: chart.values, backgroundColor: palette[0] }] },
        options: titled(chart.title, { indexAxis: horizontal ? "y" : "x", scales: { x: { beginAtZero: true }, y: { beginAtZero: true } } })
      });
    }
    bar("chart-categories", data.categories, true);
    bar("chart-responses", data.responses, false);
    var funnel = document.getElementById("chart-funnel");
    if (funnel) {
      new window.Chart(funnel, {
        type: "bar",
        data: {
          labels: data.funnel.labels,
          datasets: data.funnel.series.map(function (series, i) {
            return { label: series.label, data: series.values, backgroundColor: palette[i % palette.length] };
          })
        },
        options: titled(data.funnel.title, { plugins: { legend: { display: true, position: "bottom" } }, scales: { y: { beginAtZero: true } } })
      });
    }
    var verdicts = document.getElementById("chart-verdicts");
    if (verdicts) {
      new window.Chart(verdicts, {
        type: "doughnut",
        data: { labels: data.verdicts.labels, datasets: [{ data: data.verdicts.values, backgroundColor: palette }] },
        options: titled(data.verdicts.title, { plugins: { legend: { display: true, position: "right" } } })
      });
    }
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
