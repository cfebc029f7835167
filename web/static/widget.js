/* Explainer bot widget loader.
 *
 *   <script src="https://BOT/widget.js" data-explainer="nk-russia" async></script>
 *
 * Options (data attributes): data-explainer (id), data-position ("right" | "left"),
 * data-accent (#rgb or #rrggbb), data-open ("true" opens on load), data-title (launcher text),
 * data-theme ("light", the default, "dark", or "auto" to follow the reader's system setting).
 * It adds one launcher button inside a Shadow DOM, so the page's CSS cannot reach it and its own
 * styles cannot reach the page. Nothing else is loaded until a reader opens it: then an iframe
 * served by the bot holds the chat. window.ExplainerBotWidget.open(), .close() and
 * .setExplainer(id) let the page drive it; the tag added again with another data-explainer (a
 * single-page site changing article) moves it to that explainer.
 */
(function () {
  "use strict";
  var DEFAULT_TITLE = "Ask about this story";
  var script = document.currentScript;
  if (!script) {
    var candidates = document.querySelectorAll("script[src*='widget.js']");
    script = candidates[candidates.length - 1];
  }
  if (window.ExplainerBotWidget) {
    // One widget per page. A site that changes article without loading a page (a single-page app) and adds
    // the tag again for the new article moves the widget to that article's explainer. The tag's other settings
    // stay those of the first: a developer is told which were not taken, rather than left to wonder.
    if (!script) return;
    // Compared as the widget reads them: data-position="right" or an accent in capitals changes nothing.
    var first = window.ExplainerBotWidget.settings || {}, again = settingsOf(script.dataset);
    var ignored = ["position", "accent", "title", "theme", "open"].filter(function (name) {
      return script.dataset[name] !== undefined && again[name] !== first[name];
    });
    if (ignored.length && window.console) {
      window.console.warn("Explainer bot widget: one widget per page; this tag's " + ignored.map(function (name) {
        return "data-" + name;
      }).join(", ") + " " + (ignored.length > 1 ? "are" : "is") + " ignored (the first tag's are kept; only " +
        "data-explainer moves the widget)");
    }
    if (script.dataset.explainer !== undefined) window.ExplainerBotWidget.setExplainer(script.dataset.explainer);
    return;
  }
  if (!script) return;

  // A tag's data attributes as the widget takes them, anything it does not accept read as the default.
  function settingsOf(data) {
    return {
      position: data.position === "left" ? "left" : "right",
      accent: /^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/.test(data.accent || "") ? data.accent.toLowerCase() : "#0b5cad",
      title: (data.title || DEFAULT_TITLE).trim().slice(0, 60) || DEFAULT_TITLE,
      theme: data.theme === "dark" || data.theme === "auto" ? data.theme : "light",
      open: data.open === "true"
    };
  }

  var botOrigin = new URL(script.src, window.location.href).origin;
  var data = script.dataset;
  var settings = settingsOf(data);
  var explainer = (data.explainer || "").trim();
  var position = settings.position;
  var accent = settings.accent;
  var title = settings.title;
  var openOnLoad = settings.open;
  var theme = settings.theme;

  function luminance(hex) {
    // WCAG relative luminance of a #rgb or #rrggbb colour.
    var h = hex.slice(1);
    if (h.length === 3) h = h[0] + h[0] + h[1] + h[1] + h[2] + h[2];
    var channels = [0, 2, 4].map(function (i) {
      var c = parseInt(h.slice(i, i + 2), 16) / 255;
      return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2];
  }

  function textOn(hex) {
    // #111 or white, whichever contrasts more with the accent (chat.js picks the frame's text the same way).
    // A fixed cut-off at luminance 0.4 put white on mid tones such as orange (#ff6600: 2.9:1 against 6.4:1).
    var accentLuminance = luminance(hex);
    return (accentLuminance + 0.05) / (luminance("#111") + 0.05) > 1.05 / (accentLuminance + 0.05) ? "#111" : "#fff";
  }

  // Dark, the panel is the frame's dark grey while the frame loads (no white flash), and the launcher's focus ring
  // turns white on black, as the frame's rings are light on its dark page.
  var dark = ".panel{background:#1d2026;border-color:rgba(255,255,255,.2)}.status{color:#e8eaed}" +
    ".launcher:focus-visible{outline-color:#fff;box-shadow:0 0 0 6px #111}";
  var css = [
    ":host{all:initial}",
    // Sizes in em of the reader's default font size (medium), which the browser's font size setting changes: not in
    // px, which ignore it, nor in rem, which follow the page's own root size (html{font-size:62.5%} would shrink them).
    ".root{font:medium/1.4 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1a1a1a;letter-spacing:normal;",
    "text-transform:none;text-align:left}",
    "*{box-sizing:border-box}",
    ".launcher{all:unset;box-sizing:border-box;display:inline-flex;align-items:center;gap:.5em;cursor:pointer;",
    "background:var(--accent);color:var(--on-accent);font:600 1em/1.2 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;",
    "padding:.75em 1.125em;border-radius:999px;box-shadow:0 4px 14px rgba(0,0,0,.25);transition:transform .15s ease;",
    "max-width:100%}",
    // A long title (up to 60 characters, perhaps one long compound word) stays on one line inside the screen, cut
    // short: a taller launcher would cover the panel's question box. The frame's header shows it whole.
    ".label{min-width:0;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}",
    ".launcher:hover{transform:translateY(-1px)}",
    ".launcher:focus-visible{outline:3px solid #111;outline-offset:3px;box-shadow:0 0 0 6px #fff}",
    ".icon{flex:none;display:inline-flex;width:1.57em;height:1.57em;border-radius:50%;align-items:center;justify-content:center;",
    "background:var(--on-accent);color:var(--accent);font-weight:700;font-size:.875em}",
    // Sized against the window as percentages of it (the panel is fixed, like the launcher), not in vw and vh: a
    // page's CSS zoom (html{zoom:2}) multiplies vw and vh, and the panel grew past the window, header and all.
    ".panel{position:fixed;bottom:calc(20px + 4em);" + position + ":20px;width:min(25em,100% - 24px);",
    "height:min(38.75em,100% - 46px - 4em);background:#fff;border-radius:14px;overflow:hidden;",
    "box-shadow:0 12px 40px rgba(0,0,0,.3);border:1px solid rgba(0,0,0,.12)}",
    ".panel[hidden]{display:none}",
    "iframe{all:unset;display:block;width:100%;height:100%;border:0}",
    // Until the chat in the frame says it is ready, a line covers the frame: "Loading the chat…", then, when the
    // bot cannot be reached (its server down, the page's origin not in ALLOWED_ORIGINS), words saying so rather
    // than the browser's error page. Covered, not hidden: a hidden frame could not take the focus as it loads.
    ".status{position:absolute;z-index:1;inset:0;margin:0;display:flex;align-items:center;justify-content:center;",
    "padding:1.5em;text-align:center;background:inherit;color:#1a1a1a}",
    ".panel.ready .status{display:none}.panel.failed iframe{visibility:hidden}",
    // On a short screen (a phone on its side, a small laptop window) the panel takes all the height above the
    // launcher but a few pixels, rather than losing 110 of too few. In em, as the panel's sizes are: larger text
    // needs a larger screen before the panel leaves the screen's edges.
    "@media (max-height:33.75em){.panel{bottom:calc(20px + 3.25em);height:calc(100% - 28px - 3.25em)}}",
    "@media (max-width:30em){.panel{inset:8px 8px calc(20px + 3.5em) 8px;width:auto;height:auto}}",
    "@media (prefers-reduced-motion:reduce){.launcher{transition:none}.launcher:hover{transform:none}}",
    // In forced colours (Windows High Contrast) the accent background is dropped: a border keeps it a button.
    theme === "dark" ? dark : theme === "auto" ? "@media (prefers-color-scheme:dark){" + dark + "}" : "",
    "@media (forced-colors:active){.launcher{border:2px solid ButtonText}.panel{border-color:CanvasText}}",
    // A printed article is the article: the launcher (and an open panel) would print over its last lines.
    "@media print{.root{display:none}}"
  ].join("");

  // A custom element: page rules for div, section etc. do not match it, and the inline
  // !important declarations below outrank the page's own (non-important) rules.
  var host = document.createElement("explainer-bot-widget");
  var fixed = { position: "fixed", "z-index": "2147483000", bottom: "20px", top: "auto", margin: "0", padding: "0",
    border: "0", width: "auto", height: "auto", display: "block", background: "transparent", transform: "none",
    overflow: "visible", "max-width": "calc(100% - 40px)", "max-height": "none",
    // Each of these, set on the element by a page rule (* { will-change: transform }), makes it the box the fixed
    // panel is placed and sized in, and the panel was 0 px tall.
    "will-change": "auto", filter: "none", "backdrop-filter": "none", perspective: "none", contain: "none",
    translate: "none", rotate: "none", scale: "none", "container-type": "normal" };
  fixed[position] = "20px";
  fixed[position === "left" ? "right" : "left"] = "auto";
  Object.keys(fixed).forEach(function (name) { host.style.setProperty(name, fixed[name], "important"); });
  var shadow = host.attachShadow({ mode: "open" });
  var root = document.createElement("div");
  root.className = "root";
  shadow.appendChild(root);
  try {
    var sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    shadow.adoptedStyleSheets = [sheet]; // not blocked by a host page's style-src policy
  } catch (e) {
    var style = document.createElement("style");
    style.textContent = css;
    shadow.appendChild(style);
  }
  host.style.setProperty("--accent", accent);
  host.style.setProperty("--on-accent", textOn(accent));

  var panelId = "explainer-bot-panel";
  var launcher = document.createElement("button");
  launcher.type = "button";
  launcher.className = "launcher";
  launcher.setAttribute("aria-expanded", "false");
  launcher.setAttribute("aria-controls", panelId);
  var icon = document.createElement("span");
  icon.className = "icon";
  icon.setAttribute("aria-hidden", "true");
  icon.textContent = "?";
  var label = document.createElement("span");
  label.className = "label";
  label.dir = "auto";  // a title in Arabic or Hebrew reads right to left on any page
  if (title === DEFAULT_TITLE) label.lang = "en";  // the widget's own words (see status below)
  label.textContent = title;
  launcher.appendChild(icon);
  launcher.appendChild(label);

  var panel = document.createElement("div");
  panel.className = "panel";
  panel.id = panelId;
  panel.setAttribute("role", "dialog");
  panel.setAttribute("aria-label", title);
  panel.hidden = true;

  var status = document.createElement("p");
  status.className = "status";
  status.setAttribute("role", "status");
  // The widget's own words are English, whatever the page's language: on an Arabic page (dir="rtl") they were laid
  // out right to left (".Please try again later"), and a screen reader read them with the page's language's voice.
  status.lang = "en";
  status.dir = "ltr";
  panel.appendChild(status);
  var LOADING = "Loading the chat…";
  var UNREACHABLE = "The chat cannot be reached just now. Please try again later.";

  var frame = null;
  var frameLoaded = false;

  function frameUrl() {
    var url = new URL("/widget/frame", botOrigin);
    if (explainer) url.searchParams.set("explainer", explainer);
    url.searchParams.set("accent", accent);
    url.searchParams.set("title", title);
    url.searchParams.set("theme", theme);
    // The publisher's title is in the page's language, which the frame marks it with.
    var pageLang = document.documentElement.lang;
    if (pageLang && title !== DEFAULT_TITLE) url.searchParams.set("lang", pageLang);
    return url.toString();
  }

  function removeFrame() {
    frame.remove();
    frame = null;
    frameLoaded = false;
    panel.classList.remove("ready", "failed");
  }

  // Whether the reader's focus is in the widget (its launcher, or the chat in its frame). The widget moves the
  // focus only from there: a reader who went back to the article while the chat loaded, or whose page closed the
  // panel (a single-page site changing article), kept typing into the chat or lost their place on the page.
  function hasFocus() {
    return document.activeElement === host;
  }

  function showFailure(loaded) {
    // The frame loaded but the chat in it never said it was ready: what loaded is the browser's error page.
    if (frame !== loaded || panel.classList.contains("ready")) return;
    panel.classList.add("failed");
    status.textContent = UNREACHABLE;
    if (!panel.hidden && hasFocus()) launcher.focus();
  }

  // `takeFocus` false: shown again for another article while the reader is on the page, which keeps the focus.
  function open(takeFocus) {
    if (frame && panel.classList.contains("failed")) removeFrame(); // opened again: try once more
    if (!frame) {
      frame = document.createElement("iframe");
      frame.title = title;
      // The article's address, with its query string, is not the bot's to know: only its origin, whatever
      // looser policy the page sets for itself.
      frame.referrerPolicy = "strict-origin-when-cross-origin";
      frame.src = frameUrl();
      status.textContent = LOADING;
      var loading = frame;
      frame.addEventListener("load", function () {
        frameLoaded = true;
        if (!panel.hidden && hasFocus()) frame.focus();
        // The chat says it is ready as it runs, but its message may come just after the frame's load event.
        if (!panel.classList.contains("ready")) setTimeout(showFailure, 1000, loading);
      });
      panel.appendChild(frame);
    }
    panel.hidden = false;
    launcher.setAttribute("aria-expanded", "true");
    if (takeFocus === false) return;
    frame.focus();
    // Opened again, the frame has long loaded and its focus was left on whatever it had when the panel
    // closed (its body, once the panel was hidden): it is asked to put the cursor back in the question box.
    if (frameLoaded) frame.contentWindow.postMessage({ type: "explainer-bot:opened" }, botOrigin);
  }

  function close() {
    var returnFocus = hasFocus();  // asked before the panel hides: a hidden frame gives up the focus
    panel.hidden = true;
    launcher.setAttribute("aria-expanded", "false");
    if (returnFocus) launcher.focus();
  }

  function setExplainer(id) {
    // Another article: the next question goes to its explainer, in a new frame (each explainer keeps its own
    // conversation); an open panel shows the new one at once.
    var next = String(id || "").trim();
    if (next === explainer) return;
    explainer = next;
    if (frame) {
      var hadFocus = hasFocus();  // asked before its frame goes
      removeFrame();
      if (!panel.hidden) open(hadFocus);
    }
  }

  launcher.addEventListener("click", function () {
    if (panel.hidden) open(); else close();
  });
  root.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && !panel.hidden) close();
  });
  window.addEventListener("message", function (event) {
    // Only our own frame may close the panel or say it is ready.
    if (event.origin !== botOrigin || !frame || event.source !== frame.contentWindow) return;
    if (!event.data) return;
    if (event.data.type === "explainer-bot:close") close();
    if (event.data.type === "explainer-bot:ready") {
      panel.classList.remove("failed");
      panel.classList.add("ready");
      status.textContent = "";
      // A frame made while the panel is open (tried again, another explainer) puts the cursor in its question box.
      if (!panel.hidden && hasFocus()) {
        frame.focus();
        frame.contentWindow.postMessage({ type: "explainer-bot:opened" }, botOrigin);
      }
    }
  });

  root.appendChild(panel);
  root.appendChild(launcher);

  function mount() {
    // After <body>, not in it: a transform or filter on <body> (a GPU hint, a page transition) would make
    // position:fixed follow the page and put the launcher at the foot of a long article. Not in the browser's top
    // layer either: there it covered what the page puts above everything, its cookie banner's buttons included;
    // in the page's own stacking order, an overlay with a higher z-index stays above the widget.
    document.documentElement.appendChild(host);
    // Shown, but the focus stays on the article: a screen reader starts on the story, not in the chat.
    if (openOnLoad) open(false);
  }
  if (document.body) mount(); else document.addEventListener("DOMContentLoaded", mount);

  // `settings`: the first tag's, as the widget took them (a later tag's are compared with them).
  window.ExplainerBotWidget = { open: function () { open(); }, close: close, setExplainer: setExplainer, settings: settings };
})();
