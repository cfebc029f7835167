/* The chat page and the widget frame: asks /api/ask and renders answers with the same markup as
 * templates/_answer.html. Everything from the server is put in the page with textContent, never
 * as HTML. The server keeps no conversation: the earlier questions travel with each request.
 */
(function () {
  "use strict";

  var body = document.body;
  var inFrame = body.classList.contains("page--frame");

  // WCAG relative luminance of a #rgb or #rrggbb colour, and the contrast ratio of two luminances.
  function luminance(hex) {
    var h = hex.slice(1);
    if (h.length === 3) h = h[0] + h[0] + h[1] + h[1] + h[2] + h[2];
    var channels = [0, 2, 4].map(function (i) {
      var c = parseInt(h.slice(i, i + 2), 16) / 255;
      return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2];
  }
  function contrast(a, b) {
    return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  }

  // The widget's accent can be any colour, light ones too: text on it (--on-accent) is #111 or white, whichever
  // contrasts more, as widget.js picks the launcher's. Links, choices and focus rings (--accent-text) are the
  // accent where it reads (4.5:1) on both backgrounds of a theme, and the ink where it does not: a dark red
  // reads on white but not on the dark theme's grey, a yellow the other way round.
  var SURFACES = {  // --paper and --wash of chat.css and of chat-dark.css
    light: ["#ffffff", "#f4f6f9"],
    dark: ["#1d2026", "#121418"]
  };
  var accent = body.getAttribute("data-accent");
  if (accent && /^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/.test(accent)) {
    var rootStyle = document.documentElement.style;
    var accentLuminance = luminance(accent);
    rootStyle.setProperty("--accent", accent);
    rootStyle.setProperty("--on-accent",
      contrast(accentLuminance, luminance("#111")) > contrast(accentLuminance, 1) ? "#111" : "#fff");
    Object.keys(SURFACES).forEach(function (theme) {
      var reads = SURFACES[theme].every(function (surface) {
        return contrast(accentLuminance, luminance(surface)) >= 4.5;
      });
      rootStyle.setProperty("--accent-text-" + theme, reads ? accent : "var(--ink)");
    });
  }

  // ---------------------------------------------------------------- the widget frame
  // Wired before anything else, because an error page in the frame has a close button but no question box.
  if (inFrame) {
    var closeWidget = function () {
      // The message carries nothing but its type; the loader checks that it comes from us.
      window.parent.postMessage({ type: "explainer-bot:close" }, "*");
    };
    var closeButton = document.getElementById("close-widget");
    if (closeButton) closeButton.addEventListener("click", closeWidget);
    document.addEventListener("keydown", function (event) {
      // Escape that ends an input method's composition (Japanese, Chinese) is the input method's own.
      if (event.key !== "Escape" || event.isComposing) return;
      // In a field with text (a question, a comment on an answer) Escape empties the field, as in a search box,
      // and Ctrl+Z brings the text back; Escape again closes the panel. Before, it closed the panel over the text.
      var field = event.target;
      if (field && (field.tagName === "TEXTAREA" || (field.tagName === "INPUT" && field.type === "text")) && field.value) {
        event.preventDefault();
        field.select();
        if (!document.execCommand("delete")) {  // no undoable edit: emptied all the same
          field.value = "";
          field.dispatchEvent(new Event("input", { bubbles: true }));
        }
        return;
      }
      closeWidget();
    });
    // The loader opened the panel again: the cursor goes back to the question box (or, on an error page,
    // to the close button), as when it first opened.
    window.addEventListener("message", function (event) {
      if (event.source !== window.parent || !event.data || event.data.type !== "explainer-bot:opened") return;
      var target = document.getElementById("question") || closeButton;
      if (target) target.focus();
    });
    // The loader shows the frame once it hears this; a frame that never says it (the browser's error page when
    // the bot cannot be reached) it keeps hidden behind a line saying so.
    window.parent.postMessage({ type: "explainer-bot:ready" }, "*");
  }

  var form = document.getElementById("ask-form");
  // The script says "Type a question first." itself (the browser's own bubble is gone in a moment, and
  // a blank of spaces passes `required`); without the script, `required` still guards the form.
  if (form) form.noValidate = true;
  var input = document.getElementById("question");
  var log = document.getElementById("log");
  var tooLong = document.getElementById("ask-long");
  if (!form || !input || !log) return;

  var explainer = body.getAttribute("data-explainer") || null;
  var reducedMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  // On a touch-first device (a phone, a tablet) the question box with the focus holds the on-screen keyboard
  // open, and it covered the answer just given: there the answer keeps the screen instead.
  var touchFirst = window.matchMedia && window.matchMedia("(pointer: coarse)").matches;
  var busy = false;
  // Questions asked while an answer is coming: each is shown at once in its turn, "waiting", and asked in order
  // as the answer before it comes in. Before, Ask did nothing then, and the question sat in the box unsent.
  var waiting = [];
  var askStatus = document.getElementById("ask-status");
  var turnCount = log.querySelectorAll(".turn").length;

  // The questions asked so far, oldest first: those of the conversation kept for the tab (restore), then those
  // the server rendered a turn with (a link with ?q=, or a form sent before this script ran).
  var history = [];
  var servedHistory = Array.prototype.map.call(form.querySelectorAll("input[name=history]"), function (el) {
    return el.value;
  });
  Array.prototype.forEach.call(form.querySelectorAll("input[name=history]"), function (el) { el.remove(); });

  // ---------------------------------------------------------------- DOM helpers (text only)
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function confidenceLabel(answer) {
    // Same rule as web/answering.py confidence_label.
    if (answer.abstained) return "Not sure";
    var threshold = typeof answer.threshold === "number" ? answer.threshold : 0.5;
    return answer.confidence >= (threshold + 1) / 2 ? "Confident" : "Fairly sure";
  }

  function explainerUrl(id) {
    return "/explainers/" + encodeURIComponent(id);
  }

  var uid = 0;
  function choices(kind, label, questions) {
    uid += 1;
    var wrap = el("form", "choices choices--" + kind);
    wrap.setAttribute("data-ask", "");
    var labelId = kind + "-label-" + uid;
    var p = el("p", "choices-label", label);
    p.id = labelId;
    var list = el("div", "choice-list");
    list.setAttribute("role", "group");
    list.setAttribute("aria-labelledby", labelId);
    questions.forEach(function (q) {
      var button = el("button", "choice", q);
      button.type = "submit";
      button.name = "q";
      button.value = q;
      list.appendChild(button);
    });
    wrap.appendChild(p);
    wrap.appendChild(list);
    return wrap;
  }

  function passage(answer) {
    var quote = el("blockquote", "passage");
    var p = el("p");
    var text = answer.passage_text || "";
    var sentence = answer.answer_sentence || "";
    var start = sentence ? text.indexOf(sentence) : -1;
    if (start >= 0) {
      p.appendChild(document.createTextNode(text.slice(0, start)));
      p.appendChild(el("mark", "", sentence));
      p.appendChild(document.createTextNode(text.slice(start + sentence.length)));
    } else if (sentence) {
      p.appendChild(el("mark", "", sentence));
      if (text && text !== sentence) p.appendChild(document.createTextNode(" " + text));
    } else {
      p.appendChild(document.createTextNode(text));
    }
    quote.appendChild(p);
    return quote;
  }

  function feedbackForm(answerId) {
    uid += 1;
    var wrap = el("form", "feedback");
    wrap.setAttribute("data-feedback", "");
    var idInput = el("input");
    idInput.type = "hidden";
    idInput.name = "answer_id";
    idInput.value = answerId;
    var labelId = "fb-" + uid;
    var label = el("span", "feedback-label", "Was this helpful?");
    label.id = labelId;
    var group = el("span");
    group.setAttribute("role", "group");
    group.setAttribute("aria-labelledby", labelId);
    [["yes", "Yes", "Yes, this helped"], ["no", "No", "No, this did not help"]].forEach(function (spec) {
      var button = el("button", "thumb", spec[1]);
      button.type = "submit";
      button.name = "helpful";
      button.value = spec[0];
      button.setAttribute("aria-label", spec[2]);
      button.setAttribute("aria-pressed", "false");
      group.appendChild(button);
    });
    var status = el("span", "feedback-status");
    status.setAttribute("role", "status");
    wrap.appendChild(idInput);
    wrap.appendChild(label);
    wrap.appendChild(group);
    wrap.appendChild(status);
    return wrap;
  }

  function renderAnswer(answer) {
    if (answer.small_talk) return renderReply(answer);
    var box = el("div", "answer" + (answer.abstained ? " answer--abstained" : ""));
    box.setAttribute("data-answer-id", answer.answer_id);
    var label = confidenceLabel(answer);
    var meta = el("p", "answer-meta");
    var cue = el("span", "cue cue--" + label.toLowerCase().replace(" ", "-"), label);
    cue.title = "Confidence " + Math.floor(answer.confidence * 100) + "%";
    meta.appendChild(cue);
    if (answer.fallback) {
      meta.appendChild(document.createTextNode(" "));
      meta.appendChild(el("span", "badge badge--fallback", "From another explainer"));
    }
    box.appendChild(meta);

    if (answer.abstained && answer.needs_subject) {  // "tell me more" as a first question: about which story?
      var which = el("p", "idk");
      which.appendChild(el("strong", "", "Which story do you mean?"));
      which.appendChild(document.createTextNode(" Ask about one of the explainers" +
        (answer.suggestions && answer.suggestions.length ? ", or try a question below." : ".")));
      box.appendChild(which);
    } else if (answer.abstained) {
      var idk = el("p", "idk");
      idk.appendChild(el("strong", "", "I don't know."));
      // Asked of one explainer (its page, or the widget on its story), it is that explainer that does not say.
      idk.appendChild(document.createTextNode(explainer ? " This explainer doesn't answer that."
        : " The explainers don't answer that."));
      box.appendChild(idk);
    } else {
      box.appendChild(passage(answer));
      var source = el("p", "source", answer.section + (answer.heading ? (/\?$/.test(answer.section) ? " " : ": ") + answer.heading : "") + " · ");
      if (!inFrame && answer.explainer_id === explainer) {
        // On the explainer's own page its title is no link: it led to the page the reader is on.
        source.appendChild(document.createTextNode(answer.explainer_title));
      } else {
        var link = el("a", "", answer.explainer_title);
        link.href = explainerUrl(answer.explainer_id);
        if (inFrame) {
          link.target = "_blank";
          link.rel = "noopener";
        }
        source.appendChild(link);
      }
      if (answer.explainer_date) {  // how current the answer is: news moves on
        source.appendChild(document.createTextNode(" · "));
        var time = el("time", "", longDate(answer.explainer_date));
        time.setAttribute("datetime", answer.explainer_date);
        source.appendChild(time);
      }
      var original = originalLink(answer);
      if (original) {
        source.appendChild(document.createTextNode(" · "));
        var read = el("a", "original", "Read the full explainer");
        read.href = original;
        if (inFrame) {
          read.target = "_blank";
          read.rel = "noopener";
        }
        source.appendChild(read);
      }
      box.appendChild(source);
      if (answer.disagreement && answer.disagreement.length) {
        var figures = el("div", "figures");
        figures.appendChild(el("p", "choices-label", "The figures given, by source"));
        var list = el("ul");
        answer.disagreement.forEach(function (item) {
          var li = el("li");
          li.appendChild(el("strong", "", item.source));
          li.appendChild(document.createTextNode(": " + (item.figures || []).join(", ")));
          list.appendChild(li);
        });
        figures.appendChild(list);
        box.appendChild(figures);
      }
    }

    // When it answered, the first "did you mean" is the answer itself: show only the others.
    var others = (answer.did_you_mean || []).filter(function (hit) { return hit.passage_id !== answer.passage_id; });
    if (others.length) {
      var dym = el("div", "did-you-mean");
      dym.appendChild(el("p", "choices-label", answer.abstained ? "Did you mean" : "Or did you mean"));
      others.forEach(function (hit) {
        var details = el("details");
        var short = hit.text.length > 90 ? hit.text.slice(0, 89) + "…" : hit.text;
        // Over all the explainers, say which one a passage is from.
        details.appendChild(el("summary", "", (explainer ? "" : hit.explainer_title + ", ") + hit.section + " · " + short));
        details.appendChild(el("p", "", hit.text));
        dym.appendChild(details);
      });
      box.appendChild(dym);
    }

    if (answer.abstained && answer.suggestions && answer.suggestions.length) {
      box.appendChild(choices("suggestions", "Questions I can answer", answer.suggestions));
    } else if (!answer.abstained && answer.followups && answer.followups.length) {
      box.appendChild(choices("followups", "You could also ask", answer.followups));
    }
    box.appendChild(feedbackForm(answer.answer_id));
    return box;
  }

  // "Thanks", "hello", "who are you?": the bot's reply in kind and questions to ask next, with no confidence to
  // show and nothing to rate. (templates/_answer.html builds the same markup.)
  function renderReply(answer) {
    var box = el("div", "answer answer--small-talk");
    box.setAttribute("data-answer-id", answer.answer_id);
    box.appendChild(el("p", "reply", answer.text));
    if (answer.suggestions && answer.suggestions.length) {
      box.appendChild(choices("suggestions", "Questions I can answer", answer.suggestions));
    }
    return box;
  }

  var MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
                "November", "December"];

  // An explainer's date as readers write it: "2025-07-15" as "15 July 2025", "2025-07" as "July 2025"; any other
  // text as it is. (web/answering.py's long_date is the server's twin.)
  function longDate(value) {
    var match = /^(\d{4})-(\d{2})(?:-(\d{2}))?$/.exec(value || "");
    if (!match || +match[2] < 1 || +match[2] > 12) return value || "";
    var month = MONTHS[+match[2] - 1] + " " + match[1];
    return match[3] ? +match[3] + " " + month : month;
  }

  // "Read the full explainer" goes to the explainer on the publisher's site, when the corpus gives its http(s)
  // address; not in the widget on a story's page for that story's own explainer, which is the page the reader is
  // on. (web/answering.py's original_link and templates/_answer.html do the same for a page the server draws.)
  function originalLink(answer) {
    var url = answer.explainer_url;
    if (typeof url !== "string" || !/^https?:\/\//i.test(url)) return null;
    return inFrame && explainer && answer.explainer_id === explainer ? null : url;
  }

  function errorBox(message) {
    var box = el("div", "answer answer--error");
    box.appendChild(el("p", "idk", message));
    return box;
  }

  // A reader's question takes its direction from its own first letter (dir="auto"), so that an Arabic or Hebrew
  // question reads right to left with its question mark at its end; the hidden English prefix is kept out of
  // that choice by a dir of its own. Its space is a no-break one: a plain space at the end of the hidden span was
  // dropped, and a conversation copied and pasted read "You asked:how many…".
  function youAsked(question) {
    var asked = el("p", "you-asked");
    asked.dir = "auto";
    var prefix = el("span", "visually-hidden", "You asked:\u00a0");
    prefix.dir = "ltr";
    asked.appendChild(prefix);
    asked.appendChild(document.createTextNode(question));
    return asked;
  }

  // How misspelt words were read ("Read “resdiuals” as “residuals”."), so that a reader sees what was looked up.
  function readAs(corrections) {
    var line = el("p", "context-used read-as", "Read ");
    Object.keys(corrections).forEach(function (wrong, i) {
      if (i) line.appendChild(document.createTextNode(", "));
      line.appendChild(document.createTextNode("“"));
      line.appendChild(el("bdi", "", wrong));
      line.appendChild(document.createTextNode("” as “"));
      line.appendChild(el("bdi", "", corrections[wrong]));
      line.appendChild(document.createTextNode("”"));
    });
    line.appendChild(document.createTextNode("."));
    return line;
  }

  function hasReadAs(answer) {
    return answer.read_as && typeof answer.read_as === "object" && Object.keys(answer.read_as).length > 0;
  }

  function contextUsed(question) {
    var line = el("p", "context-used", "Following on from “");
    line.appendChild(el("bdi", "", question));
    line.appendChild(document.createTextNode("”"));
    return line;
  }

  // ---------------------------------------------------------------- talking to the API
  // The API's error messages are written for developers ("GET /api/explainers lists them"): a reader is told in
  // plain words, which the page gives by error code (web/errors.py READER_MESSAGES).
  var readerMessages = {};
  try {
    readerMessages = JSON.parse(body.getAttribute("data-messages") || "{}") || {};
  } catch (error) { /* none: every failure gets the general message */ }

  function readerMessage(data, status) {
    var code = data && data.error && data.error.code;
    return typeof code === "string" && Object.prototype.hasOwnProperty.call(readerMessages, code)
      ? readerMessages[code] : "Something went wrong (" + status + "). Please try again.";
  }

  // A request the network leaves hanging is given up after this long: till then the chat said "Looking in the
  // explainer…" for good, and took no other question. The bot answers in well under a second.
  var REQUEST_TIMEOUT_MS = 20000;

  function postJson(url, payload) {
    var controller = typeof AbortController === "function" ? new AbortController() : null;
    var timedOut = false;
    var timer = controller ? setTimeout(function () {
      timedOut = true;
      controller.abort();
    }, REQUEST_TIMEOUT_MS) : null;
    return fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify(payload),
      credentials: "same-origin",
      signal: controller ? controller.signal : undefined
    }).then(function (response) {
      clearTimeout(timer);  // it answered: its short body is read to the end
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) throw new Error(readerMessage(data, response.status));
        return data;
      });
    }, function () {
      clearTimeout(timer);
      throw new Error(timedOut ? "The server is taking too long to answer. Please try again."
        : "We could not reach the server. Check your connection and try again.");
    });
  }

  // A question of nothing that shows (spaces, zero-width characters, a lone accent) is empty, as the server holds it
  // (web/answering.py shows_nothing).
  var SHOWS_NOTHING = /^[\s\p{Cc}\p{Cf}\p{Mn}\p{Me}\p{Z}]*$/u;

  function ask(question) {
    question = (question || "").trim();
    var empty = document.getElementById("ask-empty");
    if (SHOWS_NOTHING.test(question)) {  // say so, not only to screen readers
      input.setAttribute("aria-invalid", "true");
      if (empty) empty.hidden = false;
      input.focus();
      return;
    }
    input.removeAttribute("aria-invalid");
    if (empty) empty.hidden = true;
    turnCount += 1;
    var turn = el("article", "turn");
    turn.appendChild(youAsked(question));
    var pending = el("p", "pending");
    pending.setAttribute("aria-hidden", "true");
    turn.appendChild(pending);
    log.appendChild(turn);
    var starters = document.querySelector(".starters");
    if (starters) starters.hidden = true;
    input.value = "";
    if (tooLong) tooLong.hidden = true;
    log.setAttribute("aria-live", "polite");  // off while a kept conversation was drawn again (restore)
    if (touchFirst) input.blur();  // the keyboard goes while it looks, and the answer comes into view
    keepUnanswered(unanswered().concat([question]));
    if (busy) {
      pending.textContent = "Waiting for the answer above…";
      if (askStatus) askStatus.textContent = "Your question will be asked as soon as the answer before it is in.";
      waiting.push({ question: question, turn: turn, pending: pending });
      return;
    }
    send(question, turn, pending);
  }

  function send(question, turn, pending) {
    busy = true;
    pending.textContent = explainer ? "Looking in the explainer…" : "Looking in the explainers…";
    log.setAttribute("aria-busy", "true");
    var payload = { question: question, history: history.slice(-20) };
    if (explainer) payload.explainer = explainer;
    postJson("/api/ask", payload).then(function (answer) {
      history.push(question);
      if (answer.context_used) {  // a follow-up: show which earlier question it was read with
        turn.insertBefore(contextUsed(answer.context_used), pending);
      }
      if (hasReadAs(answer)) turn.insertBefore(readAs(answer.read_as), pending);
      turn.replaceChild(renderAnswer(answer), pending);
      remember(question, answer);
    }, function (error) {
      turn.replaceChild(errorBox(error.message), pending);
      // "Please try again" should not mean typing the question again: it is back in the box, unless the reader
      // has started another.
      if (!input.value) input.value = question;
    }).then(function () {
      busy = false;
      var left = unanswered();
      if (left.indexOf(question) >= 0) left.splice(left.indexOf(question), 1);
      keepUnanswered(left);
      log.removeAttribute("aria-busy");
      turn.scrollIntoView({ block: "start", behavior: reducedMotion ? "auto" : "smooth" });
      // With a keyboard or a mouse, the cursor waits in the question box for the next question.
      if (!touchFirst) input.focus({ preventScroll: true });
      var next = waiting.shift();
      if (askStatus && !waiting.length) askStatus.textContent = "";
      if (next) send(next.question, next.turn, next.pending);
    });
  }

  // ---------------------------------------------------------------- the conversation across a reload
  // Kept in this tab's sessionStorage only (never sent anywhere, gone when the tab closes), so a reload or
  // the Back button from an answer's source brings the conversation back, and a "why?" still has its turn.
  var storeKey = "explainer-bot:conversation:" + location.pathname + ":" + (explainer || "") + (inFrame ? ":frame" : "");
  var MAX_KEPT = 20;

  function kept() {
    try {
      var saved = JSON.parse(window.sessionStorage.getItem(storeKey) || "[]");
      return Array.isArray(saved) ? saved : [];
    } catch (error) {  // storage off, or damaged: start afresh
      return [];
    }
  }

  function remember(question, answer) {
    try {
      var saved = kept();
      saved.push({ question: question, answer: answer });
      window.sessionStorage.setItem(storeKey, JSON.stringify(saved.slice(-MAX_KEPT)));
    } catch (error) { /* storage full or off: the conversation still works, it is just not kept */ }
  }

  // The questions asked and not yet answered (the one on its way, those waiting their turn), oldest first: a
  // reload then asks them again. Before, a question waiting its turn was lost with the page.
  var unansweredKey = storeKey + ":unanswered";
  var MAX_UNANSWERED = 10;

  function unanswered() {
    try {
      var saved = JSON.parse(window.sessionStorage.getItem(unansweredKey) || "[]");
      return Array.isArray(saved) ? saved.filter(function (q) { return typeof q === "string" && q.trim(); }) : [];
    } catch (error) {
      return [];
    }
  }

  function keepUnanswered(questions) {
    try {
      if (questions.length) window.sessionStorage.setItem(unansweredKey, JSON.stringify(questions.slice(-MAX_UNANSWERED)));
      else window.sessionStorage.removeItem(unansweredKey);
    } catch (error) { /* as in remember */ }
  }

  // The reader's verdict on an answer is kept with it: drawn again, the answer says it was sent, rather than
  // offering Yes and No afresh (a second press stored a second row).
  function rememberFeedback(answerId, helpful) {
    try {
      var saved = kept();
      saved.forEach(function (item) {
        if (item && item.answer && item.answer.answer_id === answerId) item.feedback = helpful ? "yes" : "no";
      });
      window.sessionStorage.setItem(storeKey, JSON.stringify(saved));
    } catch (error) { /* as in remember */ }
  }

  // A turn the server rendered (a link with ?q=, or a form sent before this script ran) joins the conversation kept
  // for the tab, and the address stops asking: before, a reload asked (and logged) its question again and showed
  // that turn alone, and the page visited later showed the follow-ups without it.
  function adopt(served) {
    var data = null;
    try {
      data = JSON.parse(served.getAttribute("data-turn") || "null");
    } catch (error) { /* drawn, but not kept */ }
    history = history.concat(servedHistory);
    if (data && typeof data.question === "string") {
      if (data.answer && typeof data.answer === "object") remember(data.question, data.answer);
      // It failed: the question is back in the box to try again, as when the script's own request fails.
      else if (!input.value && data.question.trim()) input.value = data.question;
    }
    if (window.history.replaceState && typeof URL === "function") {
      var address = new URL(location.href);
      address.searchParams.delete("q");
      address.searchParams.delete("history");
      // Also a reload of a page sent by POST is then a plain GET, not "Confirm form resubmission".
      window.history.replaceState(window.history.state, "", address.pathname + address.search + address.hash);
    }
  }

  function restore() {
    var served = log.querySelector(".turn");
    var last = null;
    var saved = kept();
    // Drawn again into the live region, the whole conversation was read out to a screen reader on each reload.
    // The log is quiet until the reader asks again: then it announces the new answer, and only that.
    if (saved.length) log.setAttribute("aria-live", "off");
    saved.forEach(function (item) {
      if (!item || typeof item.question !== "string" || !item.answer || typeof item.answer !== "object") return;
      var turn = el("article", "turn");
      turn.appendChild(youAsked(item.question));
      if (item.answer.context_used) turn.appendChild(contextUsed(item.answer.context_used));
      if (hasReadAs(item.answer)) turn.appendChild(readAs(item.answer.read_as));
      var box = renderAnswer(item.answer);
      var feedback = box.querySelector("form[data-feedback]");
      if (feedback && (item.feedback === "yes" || item.feedback === "no")) feedbackSent(feedback, item.feedback === "yes");
      turn.appendChild(box);
      log.insertBefore(turn, served);  // before the server's turn, which is the latest
      history.push(item.question);
      turnCount += 1;
      last = turn;
    });
    if (served) {
      adopt(served);
      last = served;
    }
    var starters = document.querySelector(".starters");
    if (starters && turnCount > 0) starters.hidden = true;
    // The widget's conversation scrolls above its question box: it opens on the latest turn, as it was left,
    // not on the first one.
    if (inFrame && last) last.scrollIntoView({ block: "start" });
    // Then what was still to be answered when the page went is asked again, in order, after the turns kept.
    var again = unanswered();
    keepUnanswered([]);
    again.forEach(function (question) { ask(question); });
  }
  restore();

  // "No" first asks, optionally, what was wrong; "Send" (or "Skip") then stores one feedback row.
  function askWhy(formEl, button) {
    if (formEl.querySelector(".feedback-comment")) return;
    uid += 1;
    button.setAttribute("aria-pressed", "true");
    var box = el("div", "feedback-comment");
    var label = el("label", null, "What was wrong or missing? (optional; please leave out personal details)");
    label.htmlFor = "why-" + uid;
    var text = el("textarea");
    text.dir = "auto";
    text.id = "why-" + uid;
    text.name = "comment";
    text.rows = 2;
    text.maxLength = 1000;
    var send = el("button", "send-comment", "Send");
    send.type = "submit";
    send.name = "helpful";
    send.value = "no";
    send.setAttribute("data-send", "");
    box.appendChild(label);
    box.appendChild(text);
    box.appendChild(send);
    formEl.insertBefore(box, formEl.querySelector(".feedback-status"));
    text.focus();
  }

  function feedbackSent(formEl, helpful) {
    var thumb = formEl.querySelector('.thumb[value="' + (helpful ? "yes" : "no") + '"]');
    if (thumb) thumb.setAttribute("aria-pressed", "true");
    Array.prototype.forEach.call(formEl.querySelectorAll("button, textarea"), function (b) { b.disabled = true; });
    var status = formEl.querySelector(".feedback-status");
    status.classList.remove("feedback-status--failed");
    status.textContent = helpful ? "Thanks! Glad it helped." : "Thanks for telling us. We'll use this to improve.";
  }

  function sendFeedback(formEl, helpful, button) {
    var status = formEl.querySelector(".feedback-status");
    var buttons = formEl.querySelectorAll("button");
    var answerId = formEl.querySelector("input[name=answer_id]").value;
    var why = formEl.querySelector("textarea[name=comment]");
    var body = { answer_id: answerId, helpful: helpful };
    if (!helpful && why && why.value.trim()) body.comment = why.value.trim();
    // Disabling the button that has the focus would drop it to the page, and a keyboard reader back to the
    // top: the status line, which says what became of the feedback, takes it instead.
    status.classList.remove("feedback-status--failed");
    status.textContent = "Sending…";
    if (formEl.contains(document.activeElement)) {
      status.tabIndex = -1;
      status.focus();
    }
    Array.prototype.forEach.call(buttons, function (b) { b.disabled = true; });
    postJson("/api/feedback", body).then(function () {
      feedbackSent(formEl, helpful);
      rememberFeedback(answerId, helpful);
    }, function (error) {
      Array.prototype.forEach.call(buttons, function (b) { b.disabled = false; });
      // In the error colour: in the thanks' green, "could not be saved" read at a glance as saved.
      status.classList.add("feedback-status--failed");
      status.textContent = error.message;
    });
  }

  // A double-click is one press. Its second click asked a suggested question (which stays under its answer) a
  // second time: logged twice, and answered as a follow-up of itself.
  document.addEventListener("click", function (event) {
    var button = event.detail > 1 && event.target.closest ? event.target.closest("button[type=submit]") : null;
    if (button && button.form && (button.form === form || button.form.hasAttribute("data-ask"))) event.preventDefault();
  });

  document.addEventListener("submit", function (event) {
    var target = event.target;
    var submitter = event.submitter;
    if (target === form) {
      event.preventDefault();
      ask(input.value);
    } else if (target.hasAttribute("data-ask")) {
      event.preventDefault();
      if (submitter && submitter.value) ask(submitter.value);
    } else if (target.hasAttribute("data-feedback")) {
      event.preventDefault();
      if (!submitter) return;
      if (submitter.value === "no" && !submitter.hasAttribute("data-send")) askWhy(target, submitter);
      else sendFeedback(target, submitter.value === "yes", submitter);
    }
  });

  // Typed or pasted past its maxlength, a question is cut short by the browser without a word: the reader is told,
  // from what the browser was about to insert (a question typed to exactly the limit lost nothing). A browser that
  // does not say what it inserts leaves the note to the length alone.
  var cutShort = false;
  input.addEventListener("beforeinput", function (event) {
    if (!(input.maxLength > 0)) return;
    if (typeof event.data === "string") {
      var selected = (input.selectionEnd || 0) - (input.selectionStart || 0);
      cutShort = input.value.length - selected + event.data.length > input.maxLength;
    } else if (/^insertFrom/.test(event.inputType || "")) {
      cutShort = null;
    } else {
      return;
    }
    if (cutShort && tooLong) tooLong.hidden = false;  // typing at the limit changes nothing, so fires no input
  });
  // And "Type a question first." goes as soon as the reader does.
  input.addEventListener("input", function () {
    var full = input.maxLength > 0 && input.value.length >= input.maxLength;
    if (tooLong) tooLong.hidden = !(full && cutShort !== false);
    var empty = document.getElementById("ask-empty");
    if (input.value.trim() && input.getAttribute("aria-invalid") === "true") {
      input.removeAttribute("aria-invalid");
      if (empty) empty.hidden = true;
    }
  });

  // The skip link lands in the question box itself, ready to type.
  var skip = document.querySelector(".skip-link");
  if (skip) skip.addEventListener("click", function (event) {
    event.preventDefault();
    input.focus();
  });

  // In the widget the reader opened the panel to ask: the cursor waits in the question box. Unless the reader has
  // gone back to the article while the chat loaded: then the focus stays in the article (taken into the chat, it
  // carried the reader's typing there), and the loader asks for it when the reader opens the panel again.
  if (inFrame && document.hasFocus()) input.focus();
})();
