/* The editor console: tabs, the test pane, the batch test with its charts (inline SVG built with
 * DOM calls), and the review queue. Everything from the server goes in with textContent, never as
 * HTML. The API is called with the session cookie and the page's CSRF token.
 */
(function () {
  "use strict";

  var SVG_NS = "http://www.w3.org/2000/svg";
  var csrfMeta = document.querySelector("meta[name=csrf-token]");
  if (!csrfMeta) return;
  var csrf = csrfMeta.getAttribute("content");
  var statusMessage = document.getElementById("status-message");
  var passagesById = {};

  // ---------------------------------------------------------------- helpers
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  // A table's header row; a column of buttons is named for screen readers ("Actions") and shows no heading.
  function headerRow(names) {
    var row = el("tr");
    names.forEach(function (name) {
      row.appendChild(name ? el("th", null, name) : append(el("th"), el("span", "visually-hidden", "Actions")));
    });
    return row;
  }

  // A time the server gives ("2026-11-27T21:38:09Z") as editors read one, in their own time zone ("27 Nov 2026,
  // 21:38"), in a <time> that keeps the exact value; a value that is not a time is shown as it is.
  function when(iso) {
    var node = el("time", null, iso);
    var date = iso ? new Date(iso) : null;
    if (date && !isNaN(date.getTime())) {
      node.dateTime = iso;
      node.title = iso;
      node.textContent = date.toLocaleString(undefined, { day: "numeric", month: "short", year: "numeric",
                                                          hour: "2-digit", minute: "2-digit" });
    }
    return node;
  }

  function append(parent) {
    for (var i = 1; i < arguments.length; i++) if (arguments[i]) parent.appendChild(arguments[i]);
    return parent;
  }

  function svg(tag, attrs, text) {
    var node = document.createElementNS(SVG_NS, tag);
    Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, String(attrs[key])); });
    if (text !== undefined) node.textContent = String(text);
    return node;
  }

  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); return node; }

  function fmt(value, digits) {
    if (value === null || value === undefined) return "–";
    return Number(value).toFixed(digits === undefined ? 3 : digits);
  }

  // A share as a percentage to one decimal, rounded as `fmt` rounds it to three (0.9175 is "0.917" on a card, so
  // "91.7%" beside it, not the "91.8%" of rounding 91.75).
  function pct(value) {
    if (value === null || value === undefined) return "–";
    return (Number(fmt(value, 3)) * 100).toFixed(1) + "%";
  }

  // `message` is a string, or a list of strings and {reader: text} parts, the reader's words isolated.
  function say(message, kind) {
    clear(statusMessage);
    (Array.isArray(message) ? message : [message]).forEach(function (part) {
      statusMessage.appendChild(typeof part === "string" ? document.createTextNode(part) : readerText(part.reader));
    });
    statusMessage.className = "status-message" + (kind ? " status-message--" + kind : "");
  }

  function api(method, path, body) {
    var options = { method: method, headers: { "X-CSRF-Token": csrf, "Accept": "application/json" },
                    credentials: "same-origin" };
    if (body instanceof FormData) {
      options.body = body;
    } else if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return fetch("/editor/api/" + path, options).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) {
          var message = data && data.error ? data.error.message : "The server answered " + response.status + ".";
          var error = new Error(message);
          error.code = data && data.error ? data.error.code : "";
          throw error;
        }
        return data;
      });
    });
  }

  function busy(button, on, label) {
    if (on) {
      button.dataset.label = button.textContent;
      button.textContent = label || "Working…";
      button.disabled = true;
      button.setAttribute("aria-busy", "true");
    } else {
      button.textContent = button.dataset.label || button.textContent;
      button.disabled = false;
      button.removeAttribute("aria-busy");
    }
  }

  function errorBox(container, error) {
    var notice = el("p", "notice notice--error", error.message || String(error));
    notice.setAttribute("role", "alert");  // the result areas are not live regions: an error is told at once
    clear(container).appendChild(notice);
  }

  function badge(text, kind) { return el("span", "tag tag--" + kind, text); }

  // Readers' words, isolated: a right-to-left override (U+202E) in them would otherwise reorder the
  // text after it (the closing quote, what follows on the line).
  function readerText(text) {
    var node = el("bdi", null, text);
    node.dir = "auto";
    return node;
  }

  // The same isolation inside a plain string (a status message, an aria-label): first-strong isolate
  // and pop directional isolate around the reader's words.
  function isolated(text) { return "\u2068" + text + "\u2069"; }

  function quoted(text) { return append(document.createDocumentFragment(), document.createTextNode("“"),
                                         readerText(text), document.createTextNode("”")); }

  function passageBlock(title, passage, extra) {
    var box = el("div", "passage-box");
    box.appendChild(el("p", "passage-box-title", title));
    if (!passage) {
      box.appendChild(el("p", "muted", extra || "None"));
      return box;
    }
    var where = el("p", "passage-where");
    append(where, el("code", null, passage.passage_id), document.createTextNode(" · " + passage.section +
      (passage.heading ? " · " + passage.heading : "")));
    append(box, where, el("blockquote", "quote", passage.text));
    if (extra) box.appendChild(el("p", "muted", extra));
    return box;
  }

  // What the console's other scripts (editor_glossary.js, editor_readers.js) share.
  window.editorConsole = { el: el, append: append, clear: clear, api: api, say: say, badge: badge, busy: busy,
                           errorBox: errorBox, readerText: readerText, isolated: isolated, quoted: quoted,
                           svg: svg, fmt: fmt, pct: pct, chartFrame: chartFrame, headerRow: headerRow,
                           openInTestPane: openInTestPane };

  // ---------------------------------------------------------------- tabs
  var tabs = Array.prototype.slice.call(document.querySelectorAll("[role=tab]"));
  var queueLoaded = false;
  function select(tab) {
    tabs.forEach(function (other) {
      var on = other === tab;
      other.setAttribute("aria-selected", on ? "true" : "false");
      other.tabIndex = on ? 0 : -1;
      document.getElementById(other.getAttribute("aria-controls")).hidden = !on;
    });
    // Reloading on every visit closed the Decide panels and lost the passage chosen: the queue is read
    // on the first visit, then on Refresh or after a decision.
    if (tab.id === "tab-review" && !queueLoaded) loadQueue();
    if (tab.id === "tab-batch") loadRuns();
    tab.dispatchEvent(new CustomEvent("tab-shown"));  // for the panes of the console's other scripts
  }
  tabs.forEach(function (tab, i) {
    tab.addEventListener("click", function () { select(tab); });
    // The WAI-ARIA tabs pattern: Left and Right move to the tab beside (wrapping round), Home and End to the
    // first and last; the page must not scroll as well.
    tab.addEventListener("keydown", function (event) {
      var to = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: tabs.length - 1 }[event.key];
      if (to === undefined || event.altKey || event.ctrlKey || event.metaKey) return;
      event.preventDefault();
      var next = tabs[(to + tabs.length) % tabs.length];
      next.focus();
      select(next);
    });
  });
  select(tabs[0]);

  // ---------------------------------------------------------------- status bar: rebuild, export
  function showStatus(status) {
    document.getElementById("status-fingerprint").textContent = status.index_fingerprint;
    document.getElementById("status-passages").textContent = status.passages + " in " + status.explainers + " explainers";
    document.getElementById("status-threshold").textContent = fmt(status.threshold, 2);
  }

  var rebuildButton = document.getElementById("rebuild");
  rebuildButton.addEventListener("click", function () {
    busy(rebuildButton, true, "Rebuilding…");
    say("Rebuilding the index from the corpus and the review decisions…");
    api("POST", "rebuild", {}).then(function (status) {
      showStatus(status);
      // The same fingerprint answers every question as before: say so, rather than "index X → X".
      var done = status.changed === false
        ? "Rebuilt: nothing changed, the index (" + status.index_fingerprint + ") answers as before."
        : "Rebuilt: index " + status.previous_fingerprint + " → " + status.index_fingerprint + ".";
      if (status.note) say(done + " " + status.note, "error");
      else say(done + " Saved to the index folder; every server process answers from it within seconds.", "good");
    }).catch(function (error) { say(error.message, "error"); })
      .then(function () { busy(rebuildButton, false); });
  });

  var exportButton = document.getElementById("export");
  exportButton.addEventListener("click", function () {
    busy(exportButton, true, "Exporting…");
    api("POST", "export", {}).then(function (done) {
      // What this export added: the labels file's whole count, said alone, read as if an export sent
      // again had written every label again.
      var exported = "Exported: " + done.labels_added + " new labelled question(s) in " + done.labels_file +
          " (" + done.labels + " in all); " + done.phrasings_added + " new phrasing(s) in " + done.phrasings_file + ".";
      if (done.note) say(exported + " " + done.note, "error");
      else say(exported, "good");
      loadDecisions();
    }).catch(function (error) { say(error.message, "error"); })
      .then(function () { busy(exportButton, false); });
  });

  // ---------------------------------------------------------------- test pane
  var testForm = document.getElementById("test-form");
  var testResult = document.getElementById("test-result");

  function terms(label, list, kind) {
    var row = el("div", "terms");
    row.appendChild(el("span", "terms-label", label));
    if (!list || !list.length) row.appendChild(el("span", "muted", "none"));
    (list || []).forEach(function (term) { row.appendChild(badge(term, kind)); });
    return row;
  }

  function confidenceMeter(confidence, threshold) {
    var meter = el("div", "meter");
    meter.setAttribute("role", "img");
    meter.setAttribute("aria-label", "confidence " + fmt(confidence, 2) + ", threshold " + fmt(threshold, 2));
    var fill = el("div", "meter-fill" + (confidence >= threshold ? " meter-fill--ok" : " meter-fill--low"));
    fill.style.width = Math.max(0, Math.min(1, confidence)) * 100 + "%";
    var mark = el("div", "meter-threshold");
    mark.style.left = Math.max(0, Math.min(1, threshold)) * 100 + "%";
    mark.title = "threshold " + fmt(threshold, 2);
    return append(meter, fill, mark);
  }

  function renderTest(result) {
    clear(testResult);
    var verdict = el("article", "card verdict" + (result.abstained ? " verdict--abstained" : " verdict--answered"));
    var head = el("div", "verdict-head");
    append(head, badge(result.abstained ? "Abstains" : (result.fallback ? "Answers from another explainer" : "Answers"),
                       result.abstained ? "bad" : "good"),
           el("span", "verdict-numbers", "confidence " + fmt(result.confidence, 2) + " · threshold " + fmt(result.threshold, 2)));
    append(verdict, head, confidenceMeter(result.confidence, result.threshold));
    if (!result.abstained) {
      append(verdict, el("p", "reader-gets-label", "The reader reads"),
             el("blockquote", "quote quote--answer", result.answer_sentence || result.passage_text));
      var source = el("p", "passage-where");
      append(source, document.createTextNode(result.explainer_title + " · " + result.section + " · "),
             el("code", null, result.passage_id));
      verdict.appendChild(source);
    } else {
      // What the reader gets instead of an answer: the "I don't know", the passages it asks "Did you mean"
      // about, and the questions it offers.
      append(verdict, el("p", "reader-gets-label", "The reader reads"), el("blockquote", "quote quote--answer", result.text));
      [["Did you mean", (result.did_you_mean || []).map(function (hit) {
          return hit.explainer_title + " · " + hit.section + " · " + hit.passage_id; })],
       ["Questions offered", result.suggestions || []]].forEach(function (pair) {
        if (!pair[1].length) return;
        var list = el("ul", "offers");
        list.setAttribute("aria-label", pair[0]);
        pair[1].forEach(function (line) { list.appendChild(el("li", null, line)); });
        append(verdict, el("p", "reader-gets-label", pair[0]), list);
      });
    }
    verdict.appendChild(el("p", "why", result.explanation));
    if (result.context_used) verdict.appendChild(el("p", "muted", "Follow-up: retrieved with the earlier turn “" + result.context_used + "”."));
    var readAs = Object.keys(result.read_as || {});
    if (readAs.length) {  // misspelt words the answer read as the corpus's words, as the reader is shown
      verdict.appendChild(el("p", "muted read-as", "Spelling: read " + readAs.map(function (wrong) {
        return "“" + wrong + "” as “" + result.read_as[wrong] + "”"; }).join(", ") + "."));
    }
    if (result.cues && result.cues.length) verdict.appendChild(terms("Asks for", result.cues, "cue"));
    // The question's words the glossary reads as other names: how an editor sees a new entry take effect.
    var aliases = (result.passages || []).length ? result.passages[0].matched.glossary : [];
    if (aliases && aliases.length) verdict.appendChild(terms("Read by the glossary", aliases, "cue"));

    var features = el("details", "features");
    features.appendChild(el("summary", null, "Confidence features"));
    var table = el("table", "table table--compact");
    Object.keys(result.features || {}).forEach(function (name) {
      var tr = el("tr");
      append(tr, el("th", null, name), el("td", "num", fmt(result.features[name])));
      table.appendChild(tr);
    });
    features.appendChild(table);
    verdict.appendChild(features);
    testResult.appendChild(verdict);
    // The result area is not a live region (a screen reader would read out every passage and feature in it);
    // the verdict is told in the status line, and the result follows the form.
    say((result.abstained ? "Abstains" : (result.fallback ? "Answers from another explainer" : "Answers")) +
        ", confidence " + fmt(result.confidence, 2) + " against a threshold of " + fmt(result.threshold, 2) + ".");

    var list = el("section", "card");
    list.appendChild(el("h2", null, "Top passages and what they matched"));
    var explain = el("p", "muted", "Score = retrieval score (body and question fields combined) + priors for the kind of question; " +
      "body = how the passage text matches, questions = how its editors' questions and phrasings match. " +
      "Matched words are the question's own (any form of a word counts: “apple” matches “apples”); stop words " +
      "such as “how”, “many”, “the” and “did” are left out.");
    list.appendChild(explain);
    var ol = el("ol", "hits");
    (result.passages || []).forEach(function (hit) {
      var li = el("li", "hit" + (hit.chosen ? " hit--chosen" : "") + (hit.answerable ? "" : " hit--unanswerable"));
      var top = el("div", "hit-head");
      append(top, el("span", "hit-rank", "#" + hit.rank), el("code", null, hit.passage_id),
             el("span", "hit-where", hit.explainer_title + " · " + hit.section),
             hit.chosen ? badge("answer", "good") : null, hit.answerable ? null : badge("cannot answer", "bad"));
      var scores = el("dl", "scores");
      [["score", hit.score], ["retrieval", hit.retrieval_score], ["prior", hit.prior], ["body", hit.body_score],
       ["questions", hit.question_score]].forEach(function (pair) {
        var div = el("div");
        append(div, el("dt", null, pair[0]), el("dd", null, fmt(pair[1])));
        scores.appendChild(div);
      });
      append(li, top, scores, el("p", "hit-text", hit.text),
             terms("Body matched", hit.matched.body, "term"), terms("Questions matched", hit.matched.questions, "term"));
      if (hit.matched.unknown && hit.matched.unknown.length) li.appendChild(terms("Not in the index", hit.matched.unknown, "unknown"));
      ol.appendChild(li);
    });
    if (!(result.passages || []).length) list.appendChild(el("p", null, "No passage shares a word with the question."));
    list.appendChild(ol);
    testResult.appendChild(list);
  }

  testForm.addEventListener("submit", function (event) {
    event.preventDefault();
    var questionField = document.getElementById("test-question");
    var question = questionField.value.trim();
    if (!question) {  // spaces pass the field's `required`: say why nothing was tested
      errorBox(testResult, new Error("Type a question first."));
      questionField.focus();
      return;
    }
    var history = document.getElementById("test-history").value.split("\n").map(function (s) { return s.trim(); })
      .filter(function (s) { return s; });
    var button = testForm.querySelector("button[type=submit]");
    busy(button, true, "Testing…");
    api("POST", "test", { question: question, explainer: document.getElementById("test-explainer").value || null,
                          history: history })
      .then(renderTest).catch(function (error) { errorBox(testResult, error); })
      .then(function () { busy(button, false); });
  });

  // ---------------------------------------------------------------- charts
  function chartFrame(width, height, title, description) {
    var root = svg("svg", { viewBox: "0 0 " + width + " " + height, width: "100%", role: "img", "class": "chart" });
    var id = "chart-" + Math.random().toString(36).slice(2);
    root.setAttribute("aria-labelledby", id + "-t " + id + "-d");
    root.appendChild(svg("title", { id: id + "-t" }, title));
    root.appendChild(svg("desc", { id: id + "-d" }, description));
    return root;
  }

  function axes(root, box, xLabel, yLabel, xTicks, yTicks, x, y, yFormat) {
    yTicks.forEach(function (tick) {
      root.appendChild(svg("line", { x1: box.left, x2: box.right, y1: y(tick), y2: y(tick), "class": "grid" }));
      root.appendChild(svg("text", { x: box.left - 8, y: y(tick) + 4, "text-anchor": "end", "class": "tick" }, yFormat(tick)));
    });
    xTicks.forEach(function (tick) {
      root.appendChild(svg("text", { x: x(tick), y: box.bottom + 18, "text-anchor": "middle", "class": "tick" }, fmt(tick, 1)));
    });
    root.appendChild(svg("line", { x1: box.left, x2: box.right, y1: box.bottom, y2: box.bottom, "class": "axis" }));
    root.appendChild(svg("line", { x1: box.left, x2: box.left, y1: box.top, y2: box.bottom, "class": "axis" }));
    root.appendChild(svg("text", { x: (box.left + box.right) / 2, y: box.bottom + 40, "text-anchor": "middle", "class": "axis-label" }, xLabel));
    root.appendChild(svg("text", { x: 14, y: (box.top + box.bottom) / 2, "text-anchor": "middle", "class": "axis-label",
                                   transform: "rotate(-90 14 " + (box.top + box.bottom) / 2 + ")" }, yLabel));
  }

  function curveChart(report) {
    var points = (report.threshold_curve || []).filter(function (p) { return p.answered_accuracy !== null; });
    var width = 560, height = 340, box = { left: 58, right: 540, top: 20, bottom: 282 };
    var root = chartFrame(width, height, "Answered accuracy against coverage as the threshold moves",
      "Each point is a confidence threshold: further right answers more questions, higher means more of the answers are right. " +
      "The marked point is the current threshold " + fmt(report.threshold, 2) + ".");
    // Today's threshold is marked with the report's own figures, the ones on the cards: the curve's points
    // sit on a grid of thresholds, and the grid point next to the threshold answers a different share.
    var current = [report.coverage, report.answered_accuracy].every(function (v) { return v !== null && v !== undefined; })
      ? { coverage: report.coverage, answered_accuracy: report.answered_accuracy } : null;
    var lowest = points.concat(current ? [current] : []).reduce(function (m, p) { return Math.min(m, p.answered_accuracy); }, 1);
    var floor = Math.max(0, Math.floor(lowest * 10) / 10 - 0.1);
    var x = function (v) { return box.left + v * (box.right - box.left); };
    var y = function (v) { return box.bottom - (v - floor) / (1 - floor) * (box.bottom - box.top); };
    var yTicks = [];
    for (var t = floor; t <= 1.0001; t += (1 - floor) > 0.5 ? 0.2 : 0.1) yTicks.push(Math.round(t * 10) / 10);
    axes(root, box, "coverage (share of questions answered)", "answered accuracy", [0, 0.2, 0.4, 0.6, 0.8, 1], yTicks, x, y,
         function (v) { return fmt(v, 1); });
    if (!points.length) return root;
    var d = points.slice().sort(function (a, b) { return a.coverage - b.coverage || b.threshold - a.threshold; })
      .map(function (p, i) { return (i ? "L" : "M") + x(p.coverage).toFixed(1) + " " + y(p.answered_accuracy).toFixed(1); }).join(" ");
    root.appendChild(svg("path", { d: d, "class": "curve" }));
    points.forEach(function (p) {
      var dot = svg("circle", { cx: x(p.coverage), cy: y(p.answered_accuracy), r: 3, "class": "curve-point" });
      dot.appendChild(svg("title", {}, "threshold " + fmt(p.threshold, 2) + ": answers " + pct(p.coverage) +
        " of questions, " + pct(p.answered_accuracy) + " of them right"));
      root.appendChild(dot);
    });
    [0.2, 0.4, 0.6, 0.8].forEach(function (value) {
      var p = points.filter(function (q) { return Math.abs(q.threshold - value) < 1e-6; })[0];
      if (p) root.appendChild(svg("text", { x: x(p.coverage) + 6, y: y(p.answered_accuracy) - 6, "class": "point-label" }, "t=" + fmt(value, 1)));
    });
    if (current) {
      var cx = x(current.coverage), cy = y(current.answered_accuracy);
      root.appendChild(svg("line", { x1: cx, x2: cx, y1: box.top, y2: box.bottom, "class": "current-line" }));
      var mark = svg("circle", { cx: cx, cy: cy, r: 7, "class": "current-point" });
      mark.appendChild(svg("title", {}, "current threshold " + fmt(report.threshold, 2)));
      root.appendChild(mark);
      var label = "current threshold " + fmt(report.threshold, 2) + ": " + pct(current.coverage) + " answered, " + pct(current.answered_accuracy) + " right";
      var anchorEnd = cx > (box.left + box.right) / 2;
      root.appendChild(svg("text", { x: cx + (anchorEnd ? -8 : 8), y: box.bottom - 10, "text-anchor": anchorEnd ? "end" : "start",
                                     "class": "current-label" }, label));
    }
    return root;
  }

  function histogramChart(report) {
    var h = report.confidence_histogram;
    var width = 560, height = 340, box = { left: 58, right: 540, top: 34, bottom: 282 };
    var root = chartFrame(width, height, "How confident the bot is, by kind of question",
      "Counts of questions in each confidence band: right top passage, wrong top passage, and questions the corpus cannot answer. " +
      "A good threshold has the wrong and unanswerable ones to its left and the right ones to its right.");
    if (!h) return root;
    var kinds = [["right", "bar--right", "right passage"], ["wrong", "bar--wrong", "wrong passage"],
                 ["unanswerable", "bar--unanswerable", "unanswerable"]];
    var bins = h.edges.length - 1;
    var most = 1;
    kinds.forEach(function (k) { h[k[0]].forEach(function (c) { most = Math.max(most, c); }); });
    var step = most > 50 ? 20 : most > 20 ? 10 : most > 10 ? 5 : most > 4 ? 2 : 1;
    var top = Math.ceil(most / step) * step;
    var x = function (v) { return box.left + v * (box.right - box.left); };
    var y = function (v) { return box.bottom - v / top * (box.bottom - box.top); };
    var yTicks = [];
    for (var t = 0; t <= top; t += step) yTicks.push(t);
    axes(root, box, "confidence", "questions", h.edges.filter(function (_, i) { return i % 2 === 0; }), yTicks,
         x, y, String);
    var band = (box.right - box.left) / bins;
    var barWidth = (band - 6) / kinds.length;
    for (var i = 0; i < bins; i++) {
      kinds.forEach(function (k, j) {
        var count = h[k[0]][i];
        if (!count) return;
        var rect = svg("rect", { x: x(h.edges[i]) + 3 + j * barWidth, y: y(count), width: barWidth - 1,
                                 height: box.bottom - y(count), "class": "bar " + k[1] });
        rect.appendChild(svg("title", {}, count + " " + k[2] + " at confidence " + fmt(h.edges[i], 1) + "–" + fmt(h.edges[i + 1], 1)));
        root.appendChild(rect);
      });
    }
    var tx = x(report.threshold);
    root.appendChild(svg("line", { x1: tx, x2: tx, y1: box.top - 6, y2: box.bottom, "class": "current-line" }));
    root.appendChild(svg("text", { x: tx + 6, y: box.top + 4, "class": "current-label" }, "threshold " + fmt(report.threshold, 2)));
    kinds.forEach(function (k, j) {
      var lx = box.left + 8 + j * 130;
      root.appendChild(svg("rect", { x: lx, y: 6, width: 12, height: 12, "class": "bar " + k[1] }));
      root.appendChild(svg("text", { x: lx + 18, y: 16, "class": "legend" }, k[2]));
    });
    return root;
  }

  // ---------------------------------------------------------------- batch test
  var batchForm = document.getElementById("batch-form");
  var batchResult = document.getElementById("batch-result");
  var METRICS = [["acc@1", "acc@1", "first passage is right"], ["mrr@10", "MRR@10", "mean reciprocal rank"],
                 ["recall@5", "recall@5", "right passage in top 5"], ["abstain_precision", "abstention precision", "“I don't know”s that were right"],
                 ["abstain_recall", "abstention recall", "unanswerables it declined"], ["answered_accuracy", "answered accuracy", "answers that were right"],
                 ["coverage", "coverage", "questions answered"]];

  // Questions of a run that the previous run did not ask alike: new, gone, or an id now naming another question.
  function notCompared(compare) {
    return (compare.new || []).length + (compare.gone || []).length + (compare.changed_question || []).length;
  }

  function metricCards(report) {
    var grid = el("div", "metrics");
    var delta = report.compare ? report.compare.delta : {};
    // A change of a figure over other questions is no change of the bot's: say so beside it.
    var otherQuestions = report.compare && notCompared(report.compare) ? ", partly other questions" : "";
    METRICS.forEach(function (m) {
      var card = el("div", "metric");
      card.setAttribute("data-metric", m[0]);
      append(card, el("p", "metric-name", m[1]), el("p", "metric-value", fmt(report[m[0]])), el("p", "metric-note", m[2]));
      if (delta && delta[m[0]] !== undefined && delta[m[0]] !== 0) {
        var up = delta[m[0]] > 0;
        card.appendChild(el("p", "metric-delta " + (up ? "metric-delta--up" : "metric-delta--down"),
          (up ? "▲ +" : "▼ ") + fmt(delta[m[0]]) + " since the last run" + otherQuestions));
      }
      grid.appendChild(card);
    });
    return grid;
  }

  function groupTable(title, groups, what) {
    var section = el("details", "card group-table");
    section.appendChild(el("summary", null, title));
    var table = el("table", "table");
    var head = el("tr");
    [what, "n", "acc@1", "MRR@10", "recall@5", "abst. precision", "abst. recall", "answered acc."].forEach(function (h, i) {
      head.appendChild(el("th", i ? "num" : null, h));
    });
    append(table, append(el("thead"), head));
    var body = el("tbody");
    Object.keys(groups || {}).forEach(function (name) {
      var row = groups[name], tr = el("tr");
      tr.appendChild(el("th", null, name));
      ["n", "acc@1", "mrr@10", "recall@5", "abstain_precision", "abstain_recall", "answered_accuracy"].forEach(function (k) {
        var td = el("td", "num", k === "n" ? row[k] : fmt(row[k]));
        if (k === "acc@1" && row[k] !== null && row[k] < 0.6) td.className += " weak";
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
    table.appendChild(body);
    var wrap = el("div", "table-wrap");
    wrap.appendChild(table);
    section.appendChild(wrap);
    return section;
  }

  // The earlier turns a labelled follow-up ("why?") is asked after: without them it cannot be judged.
  function afterTurns(turns) {
    if (!turns || !turns.length) return null;
    var span = el("span", "failure-context muted", "after ");
    turns.forEach(function (turn, i) { append(span, i ? document.createTextNode(", then ") : null, quoted(turn)); });
    return span;
  }

  function verdictText(state) {
    if (!state) return "–";
    return (state.abstained ? "abstained" : state.top) + " (" + fmt(state.confidence, 2) + ")";
  }

  function changes(report) {
    var section = el("section", "card changes");
    section.appendChild(el("h2", null, "Since the previous run"));
    if (!report.compare) {
      section.appendChild(el("p", "muted", "No earlier run of these questions to compare with: this run is the baseline for the next one."));
      return section;
    }
    var prev = report.previous_run;
    section.appendChild(append(el("p", "muted"), document.createTextNode("Compared with run #" + prev.id + " ("),
      when(prev.created_at), document.createTextNode(", " + prev.editor + ", index " + prev.index_fingerprint + "): " +
        report.compare.better.length + " better, " + report.compare.worse.length + " worse, " +
        report.compare.unchanged + " unchanged.")));
    // Questions matched by id and text only: the rest are counted here, or the totals would not add up to the run.
    var apart = [[report.compare.new, " new (not in run #" + prev.id + ")"],
                 [report.compare.gone, " in run #" + prev.id + " but not in this one"],
                 [report.compare.changed_question, " whose id now names another question"]]
      .filter(function (part) { return part[0] && part[0].length; })
      .map(function (part) { return part[0].length + part[1] + ": " + part[0].slice(0, 5).join(", ") + (part[0].length > 5 ? ", …" : ""); });
    if (apart.length) section.appendChild(el("p", "not-compared", "Not compared: " + apart.join("; ") + "."));
    [["better", "Got better", "good"], ["worse", "Got worse", "bad"]].forEach(function (kind) {
      var rows = report.compare[kind[0]];
      if (!rows.length) return;
      section.appendChild(el("h3", null, kind[1] + " (" + rows.length + ")"));
      var ul = el("ul", "change-list");
      rows.forEach(function (row) {
        var li = el("li");
        append(li, badge(kind[0], kind[2]), el("span", "change-q", row.question), afterTurns(row.context),
               el("span", "muted", " " + verdictText(row.before) + " → " + verdictText(row.after)));
        ul.appendChild(li);
      });
      section.appendChild(ul);
    });
    return section;
  }

  // A question asked again in the test pane, as it was asked (its earlier turns, its scope: "" for all explainers).
  function openInTestPane(text, history, explainerId) {
    var question = document.getElementById("test-question");
    question.value = text;
    document.getElementById("test-history").value = (history || []).join("\n");
    document.getElementById("test-explainer").value = explainerId || "";
    select(document.getElementById("tab-test"));
    question.focus();  // the button pressed is in the pane just hidden
    testForm.requestSubmit();
  }

  function failureList(report) {
    var section = el("section", "card failures");
    var failures = report.failures || [];
    section.appendChild(el("h2", null, "Failures (" + failures.length + " of " + report.n + ")"));
    if (!failures.length) section.appendChild(el("p", "muted", "None: every question was answered right or rightly declined."));
    var list = el("div", "failure-list");
    failures.forEach(function (f) {
      var item = el("details", "failure");
      var summary = el("summary");
      append(summary, badge(f.kind, f.answerable ? "bad" : "warn"), el("span", "failure-q", f.question), afterTurns(f.context),
             el("span", "failure-meta", f.id + (f.rank ? " · right passage ranked #" + f.rank : f.answerable ? " · right passage not in top 10" : "")));
      item.appendChild(summary);
      var pair = el("div", "pair");
      var expected = f.expected.length ? f.expected : [null];
      var left = el("div");
      expected.forEach(function (p) { left.appendChild(passageBlock("Expected", p, f.answerable ? null : "The corpus does not answer this: the bot should say “I don't know”.")); });
      var right = f.abstained
        ? passageBlock("Given: “I don't know” (closest passage below)", f.closest, "confidence " + fmt(f.confidence, 2))
        : passageBlock("Given (confidence " + fmt(f.confidence, 2) + ")", f.given);
      append(pair, left, right);
      item.appendChild(pair);
      var actions = el("p", "failure-actions");
      var testIt = el("button", "button button--quiet", "Open in the test pane");
      testIt.type = "button";
      // The batch test asks every question over all explainers, as the front page does: a scope left
      // in the test pane would test another question than the one that failed.
      testIt.addEventListener("click", function () { openInTestPane(f.question, f.context, ""); });
      actions.appendChild(testIt);
      item.appendChild(actions);
      list.appendChild(item);
    });
    section.appendChild(list);
    return section;
  }

  function renderReport(report, runId) {
    clear(batchResult);
    var head = el("div", "run-head");
    append(head, el("h2", null, "Run #" + (runId || report.run_id) + " · " + report.n + " questions"),
           el("p", "muted", "Source: " + (report.source || "") + " · index " + report.index_fingerprint +
              " · threshold " + fmt(report.threshold, 2) + " · " + report.answerable + " answerable, " + report.unanswerable + " unanswerable"));
    append(batchResult, head, metricCards(report));
    var charts = el("div", "charts");
    var one = el("figure", "card chart-card");
    append(one, el("figcaption", null, "What a threshold costs and gains"), curveChart(report),
           el("p", "chart-note", "Moving the threshold up answers fewer questions (left) and gets more of them right (up). The ringed point is today's threshold."));
    var two = el("figure", "card chart-card");
    append(two, el("figcaption", null, "Confidence of right and wrong answers"), histogramChart(report),
           el("p", "chart-note", "Bars left of the line are declined. Wrong and unanswerable questions should sit left of it; right ones to its right."));
    append(charts, one, two);
    append(batchResult, charts, changes(report), failureList(report),
           groupTable("Per explainer", report.per_explainer, "Explainer"),
           groupTable("Per section", report.per_section, "Section"));
    say("Run #" + (runId || report.run_id) + ": " + report.n + " questions, acc@1 " + fmt(report["acc@1"]) +
        ", MRR@10 " + fmt(report["mrr@10"]) + ". The figures follow the form.");
  }

  batchForm.addEventListener("submit", function (event) {
    event.preventDefault();
    var button = document.getElementById("run-batch");
    var fromFile = batchForm.querySelector("input[name=source]:checked").value === "file";
    var body = {};
    if (fromFile) {
      var file = document.getElementById("batch-file").files[0];
      if (!file) { errorBox(batchResult, new Error("Choose a JSONL or CSV file of questions first.")); return; }
      body = new FormData();
      body.append("file", file);
    }
    busy(button, true, "Running…");
    clear(batchResult).appendChild(el("p", "pending", "Answering every question…"));
    api("POST", "batch", body).then(function (report) { renderReport(report); loadRuns(); })
      .catch(function (error) { errorBox(batchResult, error); })
      .then(function () { busy(button, false); });
  });
  document.getElementById("batch-file").addEventListener("change", function () {
    batchForm.querySelector("input[name=source][value=file]").checked = true;
  });

  function loadRuns() {
    var box = document.getElementById("runs");
    api("GET", "runs").then(function (data) {
      clear(box);
      if (!data.runs.length) { box.appendChild(el("p", "muted", "No runs yet.")); return; }
      var table = el("table", "table");
      append(table, append(el("thead"), headerRow(["Run", "When", "Who", "Questions", "Index", "n", "acc@1", "MRR@10",
                                                      "answered acc.", ""])));
      var body = el("tbody");
      data.runs.forEach(function (run) {
        var tr = el("tr");
        [["#" + run.id], [when(run.created_at)], [run.editor], [run.source], [run.index_fingerprint, "code"], [run.questions, "num"],
         [fmt(run.summary["acc@1"]), "num"], [fmt(run.summary["mrr@10"]), "num"], [fmt(run.summary.answered_accuracy), "num"]]
          .forEach(function (cell) {
            tr.appendChild(cell[0] && cell[0].nodeType ? append(el("td"), cell[0]) : el("td", cell[1] || null, cell[0]));
          });
        var open = el("button", "button button--quiet", "Open");
        open.type = "button";
        open.setAttribute("aria-label", "Open run " + run.id);
        open.addEventListener("click", function () {
          api("GET", "runs/" + run.id).then(function (found) { renderReport(found.report, found.id); batchResult.scrollIntoView(); })
            .catch(function (error) { errorBox(batchResult, error); });
        });
        tr.appendChild(append(el("td"), open));
        body.appendChild(tr);
      });
      table.appendChild(body);
      append(box, append(el("div", "table-wrap"), table));
    }).catch(function (error) { errorBox(box, error); });
  }

  // ---------------------------------------------------------------- review queue
  var queue = document.getElementById("queue");
  var passagesLoaded = false;

  function loadPassages() {
    if (passagesLoaded) return;
    passagesLoaded = true;
    api("GET", "passages").then(function (data) {
      var list = clear(document.getElementById("passage-options"));
      data.passages.forEach(function (p) {
        passagesById[p.passage_id] = p;
        var option = el("option");
        option.value = p.passage_id;
        option.label = p.explainer_title + " · " + p.section + ": " + p.text.slice(0, 90);
        list.appendChild(option);
      });
    }).catch(function () { passagesLoaded = false; });
  }

  function decide(group, action, passageId, panel) {
    // A group's items each have a checkbox: a decision goes to the ticked ones only.
    var boxes = Array.prototype.slice.call(panel.querySelectorAll("input.decide-item"));
    var picked = boxes.length ? group.items.filter(function (item, i) { return boxes[i].checked; }) : group.items;
    var note = panel.querySelector(".decide-status");
    if (!picked.length) {
      note.textContent = "Tick at least one of the questions to decide on.";
      note.className = "decide-status notice notice--error";
      return;
    }
    var items = picked.map(function (item) {
      return { question: item.question, previous_question: item.previous_question || null, answer_id: item.answer_id,
               explainer_id: item.explainer_id, passage_id: item.passage_id };
    });
    if (action !== "out_of_scope" && !passageId) {
      note.textContent = "Choose the passage that answers it first.";
      note.className = "decide-status notice notice--error";
      return;
    }
    // One decision per press: a second click while the first is on its way would save it twice.
    var buttons = Array.prototype.slice.call(panel.querySelectorAll(".decide-actions button"));
    if (buttons.some(function (button) { return button.disabled; })) return;
    buttons.forEach(function (button) { button.disabled = true; });
    var pressedAt = lastPress;
    api("POST", "review/actions", { action: action, passage_id: passageId || null, items: items }).then(function (data) {
      var words = { label: "Labelled", phrasing: "Added as a phrasing", out_of_scope: "Marked out of scope" };
      say([words[action] + ": “", {reader: picked[0].question}, "”" +
          (data.saved.length > 1 ? " and " + (data.saved.length - 1) + " similar" : "") +
          ". Rebuild the index to apply it to readers' answers."], "good");
      loadDecisions();
      // The button pressed goes with the item: the focus moves on to what is left to decide, so that a
      // keyboard user is not sent back to the top of the page.
      if (picked.length < group.items.length) {  // the rest of the group stays to decide
        var left = group.items.filter(function (item) { return picked.indexOf(item) < 0; })[0];
        loadQueue().then(function () { focusQueueItem(queue.querySelector("li[data-answer-ids~='" + left.answer_id + "']")); });
        return;
      }
      var li = panel.closest("li");
      var next = li.nextElementSibling || li.previousElementSibling;
      li.parentNode.removeChild(li);
      ignorePressesAt(pressedAt, DOUBLE_CLICK_MS);
      if (!next && queueTruncated) {
        // The page is done but older flagged questions wait: the next ones are read, not "Nothing to review".
        loadQueue().then(function () { focusQueueItem(queue.querySelector("li.queue-item")); });
        return;
      }
      updateCount(queue.children.length);
      focusQueueItem(next);
    }).catch(function (error) {
      if (error.code === "already_decided") {
        // Another editor decided it meanwhile: their decision is listed, and the queue no longer offers it.
        say(error.message + " The queue is brought up to date.", "error");
        loadQueue().then(function () { focusQueueItem(queue.querySelector("li.queue-item")); });
        return;
      }
      buttons.forEach(function (button) { button.disabled = false; });
      note.textContent = error.message;
      note.className = "decide-status notice notice--error";
    });
  }

  // A double click's second press, when the decision came back between the two, lands where the decided item
  // was, on whatever moved up into its place (the next item's Decide button, or nothing, which took the focus
  // from where it had just been moved). For a double-click interval after the item goes, the next press on the
  // spot of the one that decided does nothing; a press anywhere else first, or a key, does what it always does.
  var DOUBLE_CLICK_MS = 500;
  var PRESSES = ["mousedown", "mouseup", "click", "dblclick"];
  var lastPress = null;  // where the pointer last went down: {x, y}
  document.addEventListener("mousedown", function (event) { lastPress = { x: event.clientX, y: event.clientY }; }, true);

  function ignorePressesAt(spot, wait) {
    if (!spot) return;
    function done() {
      PRESSES.forEach(function (type) { document.removeEventListener(type, ignore, true); });
    }
    function ignore(event) {
      if (Math.abs(event.clientX - spot.x) > 4 || Math.abs(event.clientY - spot.y) > 4) {
        if (event.type === "mousedown") done();  // a press elsewhere: no double click
        return;
      }
      event.preventDefault();
      event.stopPropagation();
      if (event.type === "dblclick") done();
    }
    PRESSES.forEach(function (type) { document.addEventListener(type, ignore, true); });
    setTimeout(done, wait);
  }

  // The Decide button of a queue item, or, once the queue is empty, the line that says so.
  function focusQueueItem(li) {
    var target = li && li.querySelector(".queue-head button");
    if (!target) {
      target = queue.querySelector(".queue-empty") || document.getElementById("queue-note");
      target.tabIndex = -1;
    }
    target.focus();
  }

  function decisionPanel(group, li) {
    var panel = el("div", "decide");
    var name = "pick-" + group.answer_id;
    // The passages offered are found as the reader's answer was: on the explainer it was asked on, and for
    // a follow-up with the earlier question it followed.
    var where = group.explainer_id ? "on " + group.explainer_id : "on the front page";
    panel.appendChild(group.previous_question
      ? append(el("p", "decide-scope muted", "Closest passages to it as a follow-up to "), quoted(group.previous_question),
               document.createTextNode(", asked " + where + "."))
      : el("p", "decide-scope muted", "Closest passages to it, asked " + where + "."));
    if (group.items.length > 1) {
      var which = el("fieldset", "decide-items");
      which.appendChild(el("legend", null, "Decide on"));
      group.items.forEach(function (item, i) {
        var label = el("label", "decide-item-label");
        var box = el("input", "decide-item");
        box.type = "checkbox";
        box.checked = true;
        box.id = name + "-item-" + i;
        label.htmlFor = box.id;
        append(label, box, document.createTextNode(" "), readerText(item.question),
               item.previous_question ? append(el("span", "queue-context", " "), followsText(item.previous_question)) : null);
        which.appendChild(label);
      });
      panel.appendChild(which);
    }
    var question = el("p", "decide-label", "Which passage answers it?");
    question.id = name + "-label";
    panel.appendChild(question);
    var choices = el("div", "candidates");
    // The passages' radio buttons as one group named by the question above, read out with each of them.
    choices.setAttribute("role", "radiogroup");
    choices.setAttribute("aria-labelledby", question.id);
    choices.appendChild(el("p", "pending", "Finding the closest passages…"));
    panel.appendChild(choices);
    var other = el("div", "field");
    var otherId = "other-" + group.answer_id;
    var otherLabel = el("label", null, "Or any passage id");
    otherLabel.htmlFor = otherId;
    var otherInput = el("input");
    otherInput.id = otherId;
    otherInput.type = "text";
    otherInput.setAttribute("list", "passage-options");
    otherInput.placeholder = "e.g. nk-russia:papers:2";
    otherInput.addEventListener("input", function () {
      Array.prototype.forEach.call(panel.querySelectorAll("input[type=radio]"), function (r) { r.checked = false; });
    });
    append(other, otherLabel, otherInput);
    panel.appendChild(other);

    function chosen() {
      var radio = panel.querySelector("input[type=radio]:checked");
      return radio ? radio.value : otherInput.value.trim();
    }
    var buttons = el("div", "decide-actions");
    // A follow-up ("why?") is no way to ask for a passage on its own, so it is labelled with its earlier
    // question and never made a phrasing.
    [["label", "Label: it answers this question", "button--primary"],
     group.previous_question ? null : ["phrasing", "Add as a phrasing of it", ""],
     ["out_of_scope", "Out of scope", "button--danger"]].filter(Boolean).forEach(function (spec) {
      var button = el("button", "button " + spec[2], spec[1]);
      button.type = "button";
      button.setAttribute("data-action", spec[0]);
      // Out of scope names no passage: whatever is left in the passage box must not block it.
      button.addEventListener("click", function () {
        decide(group, spec[0], spec[0] === "out_of_scope" ? null : chosen(), panel);
      });
      buttons.appendChild(button);
    });
    var status = el("p", "decide-status", "");
    status.setAttribute("role", "status");  // "Choose the passage..." and the server's refusals are read out
    append(panel, buttons, status);

    api("POST", "test", { question: group.question, explainer: group.explainer_id || null,
                          history: group.previous_question ? [group.previous_question] : [] }).then(function (result) {
      clear(choices);
      var shown = (result.passages || []).filter(function (p) { return p.answerable; }).slice(0, 4);
      if (!shown.length) choices.appendChild(el("p", "muted", "No passage shares a word with it: pick one by id, or mark it out of scope."));
      shown.forEach(function (p, i) {
        var id = name + "-" + i;
        var option = el("label", "candidate");
        option.htmlFor = id;
        var radio = el("input");
        radio.type = "radio";
        radio.name = name;
        radio.id = id;
        radio.value = p.passage_id;
        radio.addEventListener("change", function () { otherInput.value = ""; });
        var text = el("span", "candidate-text");
        append(text, el("span", "candidate-where", p.explainer_title + " · " + p.section + " · " + p.passage_id +
                        " · score " + fmt(p.score, 2)), el("span", "candidate-body", p.text));
        append(option, radio, text);
        choices.appendChild(option);
      });
    }).catch(function (error) { errorBox(choices, error); });
    return panel;
  }

  // What readers wrote with a thumbs-down. Their own words: set as text, never parsed as HTML.
  function readerComments(comments) {
    if (!comments || !comments.length) return null;
    var list = el("ul", "queue-comments");
    list.setAttribute("aria-label", "What readers said was wrong");
    comments.forEach(function (comment) { list.appendChild(append(el("li", "queue-comment"), quoted(comment))); });
    return list;
  }

  // What the reader was given: the sentence and where it came from, or the "I don't know".
  function readerAnswer(answer) {
    if (!answer || !answer.text) return null;
    var box = el("div", "queue-answer");
    box.appendChild(el("p", "reader-gets-label", answer.abstained ? "The reader was told" : "The reader read"));
    box.appendChild(el("blockquote", "quote quote--answer", answer.text));
    if (answer.passage_id) {
      var where = el("p", "passage-where");
      append(where, document.createTextNode([answer.explainer_title, answer.section, answer.heading]
        .filter(Boolean).join(" · ") + (answer.section ? " · " : "")), el("code", null, answer.passage_id));
      box.appendChild(where);
    }
    return box;
  }

  // The earlier question a follow-up ("why?") was asked after: without it the question cannot be judged.
  function followsText(previous) {
    return append(document.createDocumentFragment(), document.createTextNode("after "), quoted(previous));
  }

  function updateCount(n) {
    var count = document.getElementById("queue-count");
    count.textContent = n ? String(n) : "";
    count.title = n ? n + " to decide (similar questions decided together)" : "";
    if (!n && !queue.children.length) queue.appendChild(el("li", "queue-empty", "Nothing to review: every logged question was answered confidently and nobody gave a thumbs-down."));
  }

  var queueLimit = 300;
  var queueNote = document.getElementById("queue-note");
  var moreButton = document.getElementById("queue-more");

  // The queue is read from the newest flagged questions only; say so, and offer the older ones.
  var queueTruncated = false;
  var queueMost = Infinity; // the most the server reads at once (its answer says)
  function showTruncation(data) {
    queueTruncated = Boolean(data.truncated);
    if (data.most) queueMost = data.most;
    // At the server's limit, "Show more" could only fail: the older questions come as these are decided.
    var atMost = data.limit >= queueMost;
    queueNote.textContent = data.truncated
      ? "Showing the newest " + data.read + " of " + data.flagged + " flagged questions not yet decided. " +
        (atMost ? "The queue shows at most " + queueMost + " at once: older ones come as you decide these."
                : "Older ones are not shown until you show more.")
      : data.flagged ? "Showing all " + data.flagged + " flagged questions not yet decided." : "";
    // The tab counts what there is to decide; similar questions are one decision, so say how the two meet.
    var groups = (data.groups || []).length;
    if (data.flagged && groups && groups < Math.min(data.read, data.flagged)) {
      queueNote.textContent += " Similar ones are grouped: " + groups + " to decide.";
    }
    queueNote.className = data.truncated ? "queue-note notice" : "queue-note muted";
    moreButton.hidden = !data.truncated || atMost;
  }

  // Resolves once both the queue and the decisions table are drawn again.
  function loadQueue() {
    queueLoaded = true;
    loadPassages();
    var decisions = loadDecisions();
    return Promise.all([decisions, api("GET", "review?limit=" + queueLimit).then(function (data) {
      clear(queue);
      showTruncation(data);
      data.groups.forEach(function (group) {
        var li = el("li", "card queue-item");
        li.setAttribute("data-answer-ids", group.items.map(function (item) { return item.answer_id; }).join(" "));
        var head = el("div", "queue-head");
        var titles = el("div", "queue-titles");
        append(titles, append(el("p", "queue-q"), readerText(group.question)),
               group.previous_question ? append(el("p", "queue-context"), followsText(group.previous_question)) : null,
               readerAnswer(group.items[0].answer), readerComments(group.items[0].comments));
        var meta = el("p", "queue-meta");
        append(meta, document.createTextNode((group.count > 1 ? group.count + " similar questions · " : "") + "latest "),
               when(group.latest), document.createTextNode(
                 (group.explainer_id ? " · asked on " + group.explainer_id : " · asked on the front page") +
                 " · confidence " + fmt(group.items[0].confidence, 2)));
        titles.appendChild(meta);
        var reasons = el("p", "queue-reasons");
        group.reasons.forEach(function (r) { reasons.appendChild(badge(r, r === "thumbs down" ? "bad" : "warn")); });
        titles.appendChild(reasons);
        var open = el("button", "button", "Decide");
        open.type = "button";
        open.setAttribute("aria-expanded", "false");
        // Every item has a "Decide" button; the label says which question it is for.
        open.setAttribute("aria-label", "Decide on “" + isolated(group.question) + "”");
        append(head, titles, open);
        li.appendChild(head);
        if (group.count > 1) {
          var also = el("ul", "queue-also");
          group.items.slice(1).forEach(function (item) {
            var after = item.previous_question && item.previous_question !== group.previous_question
              ? append(el("span", "queue-context", " "), followsText(item.previous_question)) : null;
            also.appendChild(append(el("li"), readerText(item.question), after, readerComments(item.comments)));
          });
          li.appendChild(also);
        }
        var panel = null;
        function toggle(show) {
          if (!panel) { panel = decisionPanel(group, li); li.appendChild(panel); }
          panel.hidden = !show;
          open.setAttribute("aria-expanded", show ? "true" : "false");
          open.textContent = show ? "Close" : "Decide";
          open.setAttribute("aria-label", (show ? "Close the decision on “" : "Decide on “") + isolated(group.question) + "”");
        }
        open.addEventListener("click", function () { toggle(open.getAttribute("aria-expanded") !== "true"); });
        // Escape closes an open panel from anywhere in its item, and the focus goes back to the button that
        // opened it (the focus would otherwise be left in the panel just hidden).
        li.addEventListener("keydown", function (event) {
          if (event.key !== "Escape" || !panel || panel.hidden) return;
          event.preventDefault();
          toggle(false);
          open.focus();
        });
        queue.appendChild(li);
      });
      updateCount(data.groups.length);
    }).catch(function (error) { clear(queue).appendChild(el("li", "notice notice--error", error.message)); })]);
  }
  document.getElementById("refresh-queue").addEventListener("click", loadQueue);
  moreButton.addEventListener("click", function () { queueLimit = Math.min(queueLimit + 300, queueMost); loadQueue(); });

  function loadDecisions() {
    var box = document.getElementById("decisions");
    return api("GET", "review/actions").then(function (data) {
      clear(box);
      if (!data.actions.length) { box.appendChild(el("p", "muted", "No decisions yet.")); return; }
      var table = el("table", "table");
      append(table, append(el("thead"), headerRow(["When", "Who", "Decision", "Question", "Passage", "Exported", ""])));
      var body = el("tbody");
      var words = { label: "label", phrasing: "phrasing", out_of_scope: "out of scope" };
      data.actions.slice().reverse().forEach(function (a) {
        var tr = el("tr");
        var asked = append(el("td"), readerText(a.question));
        if (a.previous_question) append(asked, document.createTextNode(" ("), followsText(a.previous_question),
                                        document.createTextNode(")"));
        [append(el("td"), when(a.created_at)), a.editor, words[a.action], asked, a.passage_id || "–",
         a.exported_at ? append(el("td"), when(a.exported_at)) : "not yet"]
          .forEach(function (cell) { tr.appendChild(cell.nodeType ? cell : el("td", null, cell)); });
        var cell = el("td");
        // An exported decision is in the corpus files now; the server refuses to undo it, so no button.
        if (!a.exported_at) {
          var undo = el("button", "button button--quiet", "Undo");
          undo.type = "button";
          undo.setAttribute("aria-label", "Undo the " + words[a.action] + " of “" + isolated(a.question) + "”");
          undo.addEventListener("click", function () {
            busy(undo, true, "Undoing…");
            var row = Array.prototype.indexOf.call(body.children, tr);
            api("DELETE", "review/actions/" + a.id).then(function () {
              say(["Undone: the " + words[a.action] + " of “", {reader: a.question}, "”. The question is back in the queue; " +
                  "rebuild to take it out of the index."], "good");
              // The table is drawn again without the row, and the button pressed with it: the focus goes to the
              // Undo button of the row now in its place, or to the table's heading, not back to the top of the page.
              return loadQueue().then(function () {
                var next = document.querySelectorAll("#decisions tbody tr")[row];
                var target = next && next.querySelector("button");
                if (!target) {
                  target = document.getElementById("decisions-title");
                  target.tabIndex = -1;
                }
                target.focus();
              });
            }).catch(function (error) { busy(undo, false); say(error.message, "error"); });
          });
          cell.appendChild(undo);
        }
        tr.appendChild(cell);
        body.appendChild(tr);
      });
      table.appendChild(body);
      append(box, append(el("div", "table-wrap"), table));
    }).catch(function (error) { errorBox(box, error); });
  }
})();
