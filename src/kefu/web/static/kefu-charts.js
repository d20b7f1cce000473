// Draws the KPI trend from the JSON the page embeds (no inline script needed). Rates come
// as percentages (0–100) and their axes say so.
function percentTicks(value) { return value + "%"; }

// Counts as bars on the left axis and a rate (percent) as a line on the right: the KPI
// trend and the disputes by store. `spec` names the data's keys and the colours.
function barsWithRate(canvasId, sourceId, spec) {
  var canvas = document.getElementById(canvasId);
  var source = document.getElementById(sourceId);
  if (!canvas || !source || typeof Chart === "undefined") return;
  var data = JSON.parse(source.textContent);
  var rate = {position: "right", min: 0, grid: {drawOnChartArea: false},
              ticks: {callback: percentTicks}};
  if (spec.rateMax !== undefined) rate.max = spec.rateMax;
  var chart = new Chart(canvas, {
    type: "bar",
    data: {
      labels: data[spec.labels],
      datasets: [
        {label: canvas.dataset[spec.barLabel], data: data[spec.bars], yAxisID: "count",
         backgroundColor: spec.barColour},
        {label: canvas.dataset.rateLabel, data: data[spec.rate], yAxisID: "rate", type: "line",
         borderColor: spec.lineColour, spanGaps: true}
      ]
    },
    options: {
      animation: false,
      scales: {count: {position: "left", beginAtZero: true, ticks: {precision: 0}}, rate: rate}
    }
  });
  canvas.dataset.drawn = String(chart.data.labels.length);
}

document.addEventListener("DOMContentLoaded", function () {
  barsWithRate("trend", "trend-data", {
    labels: "days", bars: "messages_received", barLabel: "messagesLabel",
    rate: "reply_rate_24h", rateMax: 100,
    barColour: "rgba(23,105,224,0.35)", lineColour: "#e5484d"
  });
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
  barsWithRate("disputes-chart", "disputes-data", {
    labels: "labels", bars: "open_disputes", barLabel: "openLabel", rate: "dispute_rate",
    barColour: "rgba(229,72,77,0.45)", lineColour: "#1769e0"
  });
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

// Logistics board: parcels per anomaly (docs/logistics.md).
document.addEventListener("DOMContentLoaded", function () {
  var canvas = document.getElementById("logistics-chart");
  var source = document.getElementById("logistics-data");
  if (!canvas || !source || typeof Chart === "undefined") return;
  var data = JSON.parse(source.textContent);
  var labels = data.labels.map(function (key) {
    var name = "label" + key.split("_").map(function (part) {
      return part.charAt(0).toUpperCase() + part.slice(1);
    }).join("");
    return canvas.dataset[name] || key;
  });
  var chart = new Chart(canvas, {
    type: "bar",
    data: {labels: labels,
           datasets: [{label: canvas.dataset.countLabel, data: data.counts, backgroundColor: "#f59e0b"}]},
    options: {animation: false, indexAxis: "y", scales: {x: {beginAtZero: true, ticks: {precision: 0}}}}
  });
  canvas.dataset.drawn = String(chart.data.labels.length);
});

// Buyer messages by intent (KPI dashboard): one bar per intent, and under a parent one
// lighter bar per sub-intent, so short shipments read against all wrong items.
document.addEventListener("DOMContentLoaded", function () {
  var canvas = document.getElementById("by-intent-chart");
  var source = document.getElementById("by-intent-data");
  if (!canvas || !source || typeof Chart === "undefined") return;
  var data = JSON.parse(source.textContent);
  var colours = data.kinds.map(function (kind) {
    return kind === "sub_intent" ? "rgba(23,105,224,0.3)" : "rgba(23,105,224,0.7)";
  });
  var chart = new Chart(canvas, {
    type: "bar",
    data: {
      labels: data.labels,
      datasets: [{label: canvas.dataset.label, data: data.messages, backgroundColor: colours}]
    },
    options: {animation: false, indexAxis: "y",
              scales: {x: {beginAtZero: true, ticks: {precision: 0}}}}
  });
  canvas.dataset.drawn = String(chart.data.labels.length);
});
