// The KPI dashboard's charts (Apache ECharts, vendored): data from the page's JSON
// (json_script "kpi-charts"), one chart per [data-chart] container. No inline script: the
// Content-Security-Policy allows scripts from this site only.
(function () {
  "use strict";
  var source = document.getElementById("kpi-charts");
  if (!source || typeof echarts === "undefined") {
    return;
  }
  var data = JSON.parse(source.textContent);
  var text = data.text;
  var PALETTE = ["#0b5cad", "#2f9e8f", "#d48806", "#7b61ff", "#c62828", "#5c7080", "#1a7f37"];
  var charts = [];

  function isEmpty(values) {
    return !values.length || values.every(function (v) { return v === null || v === 0; });
  }

  function emptyNote(values) {
    return isEmpty(values)
      ? { type: "text", left: "center", top: "middle", style: { text: text.empty, fill: "#9aa5b1", fontSize: 14 } }
      : null;
  }

  function base(extra) {
    var option = {
      color: PALETTE,
      animation: false,
      tooltip: { trigger: "axis" },
      grid: { left: 56, right: 56, top: 36, bottom: 48, containLabel: false },
    };
    Object.keys(extra).forEach(function (key) { option[key] = extra[key]; });
    return option;
  }

  function pareto(table, countName) {
    return base({
      graphic: emptyNote(table.counts),
      legend: { top: 0, data: [countName, text.cumulative] },
      grid: { left: 64, right: 56, top: 36, bottom: 72 },
      xAxis: { type: "category", data: table.labels, axisLabel: { rotate: 30, interval: 0, fontSize: 11 } },
      yAxis: [
        { type: "value", name: countName },
        { type: "value", name: "%", min: 0, max: 100, splitLine: { show: false } },
      ],
      series: [
        { name: countName, type: "bar", data: table.counts, barMaxWidth: 36 },
        { name: text.cumulative, type: "line", yAxisIndex: 1, data: table.cumulative, symbolSize: 6, color: "#c62828" },
      ],
    });
  }

  function breakdown(table) {
    return base({
      graphic: emptyNote(table.counts),
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      grid: { left: 16, right: 48, top: 16, bottom: 24, containLabel: true },
      xAxis: { type: "value", name: text.amount },
      yAxis: { type: "category", data: table.labels, inverse: true, axisLabel: { fontSize: 11 } },
      series: [{ name: text.amount, type: "bar", data: table.counts, barMaxWidth: 22, label: { show: true, position: "right", fontSize: 11 } }],
    });
  }

  function trendOption(key) {
    var trend = data.trend;
    var values = trend.series[key] || [];
    var unit = trend.units[key] || "";
    return base({
      graphic: emptyNote(values),
      legend: { show: false },
      xAxis: { type: "category", data: trend.days, boundaryGap: false, axisLabel: { fontSize: 11 } },
      yAxis: { type: "value", name: unit, scale: true },
      series: [{ name: trend.labels[key], type: "line", data: values, connectNulls: false, showSymbol: values.length <= 31, areaStyle: { opacity: 0.08 } }],
    });
  }

  var builders = {
    trend: function () {
      var select = document.querySelector("[data-trend-select]");
      return trendOption(select ? select.value : "sales_amount");
    },
    funnel: function () {
      var values = data.funnel.map(function (row) { return row.value; });
      return base({
        graphic: emptyNote(values),
        tooltip: { trigger: "item", formatter: "{b}: {c}" },
        series: [{
          type: "funnel", sort: "none", left: "10%", width: "80%", top: 16, bottom: 16, minSize: "8%", gap: 2,
          label: { show: true, position: "inside", formatter: "{b}  {c}", color: "#fff" },
          data: data.funnel,
        }],
      });
    },
    steps: function () {
      var steps = data.steps;
      var averages = steps.minutes.map(function (value, i) {
        return { value: value, itemStyle: { color: i === steps.bottleneck ? "#c62828" : "#0b5cad" } };
      });
      return base({
        graphic: emptyNote(steps.minutes),
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
        legend: { top: 0, data: [text.average, text.standard] },
        xAxis: {
          type: "category",
          data: steps.labels.map(function (label, i) { return i === steps.bottleneck ? label + "（" + text.bottleneck + "）" : label; }),
          axisLabel: { interval: 0, fontSize: 11 },
        },
        yAxis: { type: "value", name: "min" },
        series: [
          { name: text.average, type: "bar", data: averages, barMaxWidth: 36, label: { show: true, position: "top" } },
          { name: text.standard, type: "bar", data: steps.standard, barMaxWidth: 36, color: "#bcccdc" },
        ],
      });
    },
    sku_pareto: function () { return pareto(data.sku_pareto, text.amount); },
    reasons: function () { return pareto(data.reasons, text.requests); },
    sales_category: function () { return breakdown(data.sales.category); },
    sales_channel: function () { return breakdown(data.sales.channel); },
    sales_province: function () { return breakdown(data.sales.province); },
    tickets: function () {
      var tickets = data.tickets;
      return base({
        graphic: emptyNote(tickets.within.concat(tickets.breached)),
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
        legend: { top: 0, data: [text.within, text.breached] },
        xAxis: { type: "category", data: tickets.labels },
        yAxis: { type: "value", minInterval: 1 },
        series: [
          { name: text.within, type: "bar", stack: "t", data: tickets.within, color: "#1a7f37", barMaxWidth: 40 },
          { name: text.breached, type: "bar", stack: "t", data: tickets.breached, color: "#c62828", barMaxWidth: 40 },
        ],
      });
    },
  };

  // The 30/90/365-day links and the filter form keep the KPI chosen in the trend's select (?kpi=).
  function keepTrendKpi(key) {
    var field = document.querySelector("[data-trend-kpi]");
    if (field) {
      field.value = key;
    }
    document.querySelectorAll("[data-trend-link]").forEach(function (link) {
      var url = new URL(link.href, window.location.href);
      url.searchParams.set("kpi", key);
      link.href = url.toString();
    });
  }

  document.querySelectorAll("[data-chart]").forEach(function (element) {
    var build = builders[element.getAttribute("data-chart")];
    if (!build) {
      return;
    }
    var chart = echarts.init(element, null, { renderer: "canvas" });
    chart.setOption(build());
    element.setAttribute("data-drawn", "true");
    charts.push(chart);
    if (element.getAttribute("data-chart") === "trend") {
      var select = document.querySelector("[data-trend-select]");
      if (select) {
        select.addEventListener("change", function () {
          chart.setOption(trendOption(select.value), true);
          keepTrendKpi(select.value);
        });
      }
    }
  });

  window.addEventListener("resize", function () {
    charts.forEach(function (chart) { chart.resize(); });
  });
})();
