// The monthly statistics page: the 12-month trend and the Pareto of categories (Chart.js, vendored).
(() => {
  const source = document.getElementById("report-data");
  if (!source || !window.Chart) return;
  const data = JSON.parse(source.textContent);
  Chart.defaults.font.family = '"WenQuanYi Micro Hei", "Microsoft YaHei", "PingFang SC", sans-serif';
  Chart.defaults.animation = false; // draw at once: the page is printed and screenshot
  new Chart(document.getElementById("trend-chart"), {
    type: "line",
    data: {
      labels: data.trend.labels,
      datasets: [{ label: data.trend.label, data: data.trend.values, borderColor: "#1f4e79", backgroundColor: "#1f4e79", tension: 0.2 }],
    },
    options: { plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
  });
  new Chart(document.getElementById("pareto-chart"), {
    data: {
      labels: data.pareto.labels,
      datasets: [
        { type: "bar", label: data.pareto.count_label, data: data.pareto.counts, yAxisID: "y",
          backgroundColor: data.pareto.main.map((m) => (m ? "#dc3545" : "#adb5bd")) },
        { type: "line", label: data.pareto.cumulative_label, data: data.pareto.cumulative, yAxisID: "pct",
          borderColor: "#1f4e79", backgroundColor: "#1f4e79" },
      ],
    },
    options: {
      scales: {
        y: { beginAtZero: true, ticks: { precision: 0 } },
        pct: { position: "right", min: 0, max: 100, grid: { drawOnChartArea: false }, ticks: { callback: (v) => `${v}%` } },
      },
    },
  });
})();
