// Draws each chart of the page from the table of figures under it (the table is the source: what the chart
// shows is what the table says). Without JavaScript, or without Chart.js, the tables stand alone.
(function () {
  "use strict";
  var BLUE = "#005eb8";
  var RED = "#d5281b";
  var TEXT = "#212b32";

  function rowsOf(table) {
    return Array.prototype.map.call(table.tBodies[0].rows, function (row) {
      var valued = row.querySelector("[data-value]");
      return {
        label: row.cells[0].textContent.trim(),
        value: valued ? Number(valued.getAttribute("data-value")) : 0,
        pastLimit: row.hasAttribute("data-past-limit")
      };
    });
  }

  function draw(figure) {
    var table = document.getElementById(figure.getAttribute("data-table"));
    if (!table || !window.Chart) {
      figure.hidden = true;
      return;
    }
    var rows = rowsOf(table);
    var percent = figure.hasAttribute("data-percent");
    var horizontal = figure.hasAttribute("data-horizontal");
    if (horizontal) {
      figure.style.height = Math.max(10, rows.length * 2.2 + 5) + "rem";
    }
    var canvas = document.createElement("canvas");
    figure.appendChild(canvas);
    var valueAxis = {
      beginAtZero: true,
      max: percent ? 100 : undefined,
      ticks: { color: TEXT, precision: 0, callback: function (v) { return percent ? v + "%" : v; } },
      grid: { color: "#d8dde0" }
    };
    var labelAxis = { ticks: { color: TEXT, autoSkip: false }, grid: { display: false } };
    new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: rows.map(function (r) { return r.label; }),
        datasets: [{
          label: figure.getAttribute("data-label"),
          data: rows.map(function (r) { return r.value; }),
          backgroundColor: rows.map(function (r) { return r.pastLimit ? RED : BLUE; })
        }]
      },
      options: {
        indexAxis: horizontal ? "y" : "x",
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        plugins: { legend: { display: false } },
        scales: horizontal ? { x: valueAxis, y: labelAxis } : { x: labelAxis, y: valueAxis }
      }
    });
  }

  function start() {
    if (window.Chart) {
      window.Chart.defaults.font.size = 14;
      window.Chart.defaults.color = TEXT;
    }
    Array.prototype.forEach.call(document.querySelectorAll("figure.chart[data-table]"), draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
