// Draws the KPI trend from the JSON the page embeds (no inline script needed). Rates come
// as percentages (0–100) and their axes say so.
function percentTicks(value) { return value + "%"; }

document.addEventListener("DOMContentLoaded", function () {
  var canvas = document.getElementById("trend");
  var source = document.getElementById("trend-data");
  if (!canvas || !source || typeof Chart === "undefined") return;
  var data = JSON.parse(source.textContent);
  var chart = new Chart(canvas, {
    type: "bar",
    data: {
      labels: data.days,
      datasets: [
        {label: canvas.dataset.messagesLabel, data: data.messages_received, yAxisID: "count",
         backgroundColor: "rgba(23,105,224,0.35)"},
        {label: canvas.dataset.rateLabel, data: data.reply_rate_24h, yAxisID: "rate", type: "line",
         borderColor: "#e5484d", spanGaps: true}
      ]
    },
    options: {
      animation: false,
      scales: {
        count: {position: "left", beginAtZero: true},
        rate: {position: "right", min: 0, max: 100, grid: {drawOnChartArea: false},
               ticks: {callback: percentTicks}}
      }
    }
  });
  canvas.dataset.drawn = String(chart.data.labels.length);
});

// One bar chart per breakdown table (store, platform, agent): the 24 h reply rate.
document.addEventListener("DOMContentLoaded", function () {
  if (typeof Chart === "undefined") return;
  document.querySelectorAll("canvas.breakdown-chart").forEach(function (canvas) {
    var source = document.getElementById(canvas.dataset.source);
    if (!source) return;
    var data = JSON.parse(source.textContent);
    var chart = new Chart(canvas, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: [{label: canvas.dataset.rateLabel, data: data.reply_rate_24h,
                    backgroundColor: "rgba(23,105,224,0.55)"}]
      },
      options: {animation: false, indexAxis: "y",
                scales: {x: {min: 0, max: 100, ticks: {callback: percentTicks}}}}
    });
    canvas.dataset.drawn = String(chart.data.labels.length);
  });
});

// Translation usage: characters per day, one line per provider.
document.addEventListener("DOMContentLoaded", function () {
  var canvas = document.getElementById("usage-chart");
  var source = document.getElementById("usage-data");
  if (!canvas || !source || typeof Chart === "undefined") return;
  var data = JSON.parse(source.textContent);
  var datasets = Object.keys(data.series).map(function (provider) {
    return {label: provider, data: data.series[provider]};
  });
  var chart = new Chart(canvas, {
    type: "line",
    data: {labels: data.days, datasets: datasets},
    options: {animation: false, scales: {y: {beginAtZero: true}}}
  });
  canvas.dataset.drawn = String(chart.data.labels.length);
});

// Quality report: red-marked conversations per product, most first.
document.addEventListener("DOMContentLoaded", function () {
  var canvas = document.getElementById("quality-chart");
  var source = document.getElementById("quality-data");
  if (!canvas || !source || typeof Chart === "undefined") return;
  var data = JSON.parse(source.textContent);
  var chart = new Chart(canvas, {
    type: "bar",
    data: {
      labels: data.labels,
      datasets: [{label: canvas.dataset.label, data: data.conversations,
                  backgroundColor: "rgba(229,72,77,0.6)"}]
    },
    options: {animation: false, indexAxis: "y",
              scales: {x: {beginAtZero: true, ticks: {precision: 0}}}}
  });
  canvas.dataset.drawn = String(chart.data.labels.length);
});

// Disputes by store (KPI dashboard): open disputes as bars, the dispute rate as a line.
document.addEventListener("DOMContentLoaded", function () {
  var canvas = document.getElementById("disputes-chart");
  var source = document.getElementById("disputes-data");
  if (!canvas || !source || typeof Chart === "undefined") return;
  var data = JSON.parse(source.textContent);
  var chart = new Chart(canvas, {
    type: "bar",
    data: {
      labels: data.labels,
      datasets: [
        {label: canvas.dataset.openLabel, data: data.open_disputes, yAxisID: "count",
         backgroundColor: "rgba(229,72,77,0.45)"},
        {label: canvas.dataset.rateLabel, data: data.dispute_rate, yAxisID: "rate", type: "line",
         borderColor: "#1769e0", spanGaps: true}
      ]
    },
    options: {
      animation: false,
      scales: {
        count: {position: "left", beginAtZero: true, ticks: {precision: 0}},
        rate: {position: "right", min: 0, grid: {drawOnChartArea: false},
               ticks: {callback: percentTicks}}
      }
    }
  });
  canvas.dataset.drawn = String(chart.data.labels.length);
});

// Deadlines board: overdue and at-risk items per agent, stacked bars (docs/deadlines.md).
document.addEventListener("DOMContentLoaded", function () {
  var canvas = document.getElementById("deadlines-chart");
  var source = document.getElementById("deadlines-data");
  if (!canvas || !source || typeof Chart === "undefined") return;
  var data = JSON.parse(source.textContent);
  var labels = data.labels.map(function (name) { return name || canvas.dataset.nobodyLabel; });
  var chart = new Chart(canvas, {
    type: "bar",
    data: {
      labels: labels,
      datasets: [
        {label: canvas.dataset.overdueLabel, data: data.overdue, backgroundColor: "#b91c1c"},
        {label: canvas.dataset.atRiskLabel, data: data.at_risk, backgroundColor: "#f59e0b"}
      ]
    },
    options: {animation: false, indexAxis: "y",
              scales: {x: {stacked: true, beginAtZero: true}, y: {stacked: true}}}
  });
  canvas.dataset.drawn = String(chart.data.labels.length);
});
