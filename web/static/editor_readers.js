/* The editor console's Readers pane: what readers asked over a period and how it went (GET
 * /editor/api/insights): the figures, questions a day, the most asked questions, those the bot could not
 * answer, each explainer's share, and the passages readers said did not help. A question can be asked again
 * in the test pane. Uses editor.js's helpers; readers' words go in as text, never as HTML.
 */
(function () {
  "use strict";

  var ui = window.editorConsole;
  var tab = document.getElementById("tab-readers");
  if (!ui || !tab) return;
  var el = ui.el, append = ui.append, clear = ui.clear, svg = ui.svg;
  var period = document.getElementById("readers-period");
  var result = document.getElementById("readers-result");
  var note = document.getElementById("readers-note");
  var loaded = false;
  var CHART_DAYS = 90;  // the chart's width in days: an "all time" log of years shows its latest days

  function count(value) { return Number(value || 0).toLocaleString("en-GB"); }

  function questions(n) { return count(n) + (Number(n) === 1 ? " question" : " questions"); }

  function card(name, value, detail) {
    return append(el("div", "metric"), el("p", "metric-name", name), el("p", "metric-value", value),
                  el("p", "metric-note", detail));
  }

  function figures(totals) {
    var grid = el("div", "metrics");
    append(grid,
      card("Questions", count(totals.questions), count(totals.follow_ups) + " of them follow-ups"),
      card("Answered", ui.pct(totals.answered_share), questions(totals.answered)),
      card("“I don't know”", ui.pct(totals.abstained_share), questions(totals.abstained)),
      card("Helpful", ui.pct(totals.helpful_share),
           count(totals.rated) + " rated: " + count(totals.helpful) + " yes, " + count(totals.unhelpful) + " no"));
    return grid;
  }

  // Questions a day, the answered part and the "I don't know" part stacked; every day of the period is a bar
  // (the server counts a day without questions as 0).
  function dayChart(days) {
    var shown = days.slice(-CHART_DAYS);
    // As wide as the pane (within 320-720 units), so that its text stays readable on a phone, not scaled down.
    var width = Math.max(320, Math.min(720, Math.round(result.clientWidth || 720) - 32));
    var height = 220, box = { left: 48, right: width - 12, top: 14, bottom: 184 };
    var most = shown.reduce(function (m, d) { return Math.max(m, d.questions); }, 1);
    var answeredTotal = shown.reduce(function (s, d) { return s + d.questions - d.abstained; }, 0);
    var abstainedTotal = shown.reduce(function (s, d) { return s + d.abstained; }, 0);
    var root = ui.chartFrame(width, height, "Questions a day",
      shown.length + " days from " + shown[0].day + " to " + shown[shown.length - 1].day + ": " + count(answeredTotal) +
      " questions answered and " + count(abstainedTotal) + " declined; the busiest day had " + count(most) + ".");
    var step = (box.right - box.left) / shown.length;
    var y = function (v) { return box.bottom - v / most * (box.bottom - box.top); };
    [0, most].forEach(function (tick) {
      root.appendChild(svg("line", { x1: box.left, x2: box.right, y1: y(tick), y2: y(tick), "class": "grid" }));
      root.appendChild(svg("text", { x: box.left - 6, y: y(tick) + 4, "text-anchor": "end", "class": "tick" }, count(tick)));
    });
    shown.forEach(function (d, i) {
      var x = box.left + i * step + step * 0.1, w = Math.max(1, step * 0.8);
      var answered = d.questions - d.abstained;
      root.appendChild(svg("rect", { x: x, y: y(answered), width: w, height: box.bottom - y(answered), "class": "bar bar--answered" }));
      root.appendChild(svg("rect", { x: x, y: y(d.questions), width: w, height: y(answered) - y(d.questions),
                                     "class": "bar bar--declined" }));
    });
    [0, shown.length - 1].forEach(function (i) {
      root.appendChild(svg("text", { x: box.left + (i + 0.5) * step, y: box.bottom + 18, "text-anchor": i ? "end" : "start",
                                     "class": "tick" }, shown[i].day));
    });
    var figure = el("figure", "card chart-card");
    append(figure, el("figcaption", null, "Questions a day" + (days.length > CHART_DAYS ? " (the latest " + CHART_DAYS + " days)" : "")),
           root, el("p", "chart-note", "Each bar is a day: answered (lower part) and “I don't know” (upper part)."));
    return figure;
  }

  function ratings(row) {
    if (!row.helpful && !row.unhelpful) return "–";
    return count(row.helpful) + " yes, " + count(row.unhelpful) + " no";
  }

  function testButton(question) {
    var button = el("button", "button button--quiet", "Test");
    button.type = "button";
    button.setAttribute("aria-label", "Test “" + ui.isolated(question) + "”");
    button.addEventListener("click", function () { ui.openInTestPane(question, [], ""); });
    return button;
  }

  function table(caption, names, rows, cells) {
    var section = el("section", "card");
    var title = el("h3", null, caption);
    section.appendChild(title);
    if (!rows.length) {
      section.appendChild(el("p", "muted", "None in this period."));
      return section;
    }
    var grid = el("table", "table");
    append(grid, append(el("thead"), ui.headerRow(names)));
    var body = el("tbody");
    rows.forEach(function (row) {
      var tr = el("tr");
      cells(row).forEach(function (cell) {
        tr.appendChild(cell && cell.nodeType ? (cell.tagName === "TD" ? cell : append(el("td"), cell))
          : el("td", typeof cell === "number" ? "num" : null, typeof cell === "number" ? count(cell) : cell));
      });
      body.appendChild(tr);
    });
    grid.appendChild(body);
    append(section, append(el("div", "table-wrap"), grid));
    return section;
  }

  // The figures as a spreadsheet: one row per listed question, explainer, passage and day. A cell a reader wrote
  // that starts like a formula (=, +, -, @) is kept as text: opened in a spreadsheet, "=HYPERLINK(...)" typed
  // into the chat would otherwise run.
  function csvCell(value) {
    var text = value === null || value === undefined ? "" : String(value);
    if (/^[=+\-@\t\r]/.test(text)) text = "'" + text;
    return /[",\r\n]/.test(text) ? '"' + text.replace(/"/g, '""') + '"' : text;
  }

  function csv(data) {
    var lines = [["list", "question, explainer, passage or day", "times asked or answered", "I don't know",
                  "rated yes", "rated no"]];
    data.most_asked.forEach(function (r) { lines.push(["asked most", r.question, r.count, r.abstained, r.helpful, r.unhelpful]); });
    data.most_asked_unanswered.forEach(function (r) {
      lines.push(["asked most and not answered", r.question, r.count, r.abstained, r.helpful, r.unhelpful]);
    });
    data.per_explainer.forEach(function (r) {
      lines.push(["by explainer", r.explainer_title, r.questions, r.abstained, r.helpful, r.unhelpful]);
    });
    data.passages.forEach(function (r) { lines.push(["passages rated down", r.passage_id, r.answers, "", r.helpful, r.unhelpful]); });
    data.per_day.forEach(function (r) { lines.push(["questions a day", r.day, r.questions, r.abstained, "", ""]); });
    return lines.map(function (line) { return line.map(csvCell).join(","); }).join("\r\n") + "\r\n";
  }

  var download = null;  // the object URL of the latest CSV, given back when the next is made
  function csvLink(data) {
    if (download) URL.revokeObjectURL(download);
    download = URL.createObjectURL(new Blob(["\ufeff" + csv(data)], { type: "text/csv;charset=utf-8" }));
    var link = el("a", "button button--quiet readers-csv", "Download as CSV");
    link.href = download;
    link.download = "readers-" + (data.period === "all" ? "all-time" : "last-" + data.period + "-days") + ".csv";
    return append(el("p", "readers-actions"), link);
  }

  function render(data) {
    clear(result);
    var totals = data.totals;
    var when = data.since ? "since " + data.since.slice(0, 10) : "since the log began";
    if (!totals.questions) {
      result.appendChild(el("p", "muted", "No questions " + when + "."));
      note.textContent = "No questions " + when + ".";
      return;
    }
    append(result, csvLink(data), figures(totals), dayChart(data.per_day),
      table("Asked most", ["Question", "Times", "“I don't know”", "Readers' ratings", ""], data.most_asked, function (row) {
        return [ui.readerText(row.question), row.count, row.abstained, ratings(row), testButton(row.question)];
      }),
      table("Asked most and not answered", ["Question", "Times", ""], data.most_asked_unanswered, function (row) {
        return [ui.readerText(row.question), row.count, testButton(row.question)];
      }),
      table("By explainer", ["Where asked", "Questions", "“I don't know”", "Readers' ratings"], data.per_explainer, function (row) {
        return [row.explainer_title, row.questions, row.abstained, ratings(row)];
      }),
      table("Passages readers said did not help", ["Passage", "Answers given", "Readers' ratings"], data.passages, function (row) {
        var where = row.text === null ? row.passage_id + " (no longer in the index)"
          : row.passage_id + " · " + row.explainer_title + " · " + row.section;
        var cell = append(el("td"), el("span", "passage-id", where));
        if (row.text) append(cell, el("p", "muted passage-snippet", row.text.length > 160 ? row.text.slice(0, 157) + "…" : row.text));
        return [cell, row.answers, ratings(row)];
      }));
    note.textContent = questions(totals.questions) + " " + when + ": " + ui.pct(totals.answered_share) + " answered.";
  }

  // The period can change again while figures are coming: only the latest request's are drawn. (The select
  // is not disabled meanwhile: that would drop the keyboard's focus from it.)
  var latest = 0;
  function load() {
    loaded = true;
    var asked = ++latest;
    note.textContent = "Loading…";
    ui.api("GET", "insights?period=" + encodeURIComponent(period.value)).then(function (data) {
      if (asked === latest) render(data);
    }, function (error) {
      if (asked !== latest) return;
      loaded = false;  // coming back to the tab tries again
      note.textContent = "";
      ui.errorBox(result, error);
    });
  }

  tab.addEventListener("tab-shown", function () { if (!loaded) load(); });
  period.addEventListener("change", load);
})();
