/* Staff inbox: keeps the live thread and list cheap and in place, "/" saved replies, WhatsApp formatting preview.
   No inline scripts (the CSP allows none); htmx does the requests. */
(function () {
  "use strict";

  function lastMessageId(thread) {
    var items = thread.querySelectorAll("li[data-id]");
    return items.length ? items[items.length - 1].getAttribute("data-id") : "0";
  }

  function nearBottom(el) {
    return el.scrollHeight - el.scrollTop - el.clientHeight < 80;
  }

  function fitToViewport() {
    var inbox = document.getElementById("inbox");
    if (!inbox) return;
    var top = inbox.getBoundingClientRect().top + window.scrollY;
    document.documentElement.style.setProperty("--inbox-top", top + "px");
  }

  function scrollThread(initial) {
    var thread = document.getElementById("thread");
    if (!thread) return;
    var divider = initial && thread.querySelector(".new-divider");
    if (divider) {
      thread.scrollTop = divider.offsetTop - thread.offsetTop - 40;
    } else {
      thread.scrollTop = thread.scrollHeight;
    }
  }

  // The thread's poll asks only for what came after the last message shown, and for the side panel again when the
  // conversation changed since it was drawn.
  document.addEventListener("htmx:configRequest", function (evt) {
    var elt = evt.detail.elt;
    if (elt.id === "thread") {
      evt.detail.parameters.setelah = lastMessageId(elt);
      var panel = document.getElementById("panel");
      if (panel) evt.detail.parameters.versi = panel.getAttribute("data-version");
    }
  });

  // No polling while the tab is hidden, for a part of the page that is not shown (the list on a phone's thread
  // screen), or while someone is using the list with the keyboard (a swap would take their focus).
  document.addEventListener("htmx:beforeRequest", function (evt) {
    var elt = evt.detail.elt;
    if (elt.id !== "thread" && elt.id !== "conversation-list") return;
    if (document.hidden || elt.offsetParent === null) {
      evt.preventDefault();
      return;
    }
    if (elt.id === "conversation-list" && elt.contains(document.activeElement)) evt.preventDefault();
  });

  var listScroll = 0;
  var threadWasNearBottom = true;
  document.addEventListener("htmx:beforeSwap", function (evt) {
    var target = evt.detail.target;
    if (target.id === "conversation-list") {
      var list = target.querySelector(".conversations");
      listScroll = list ? list.scrollTop : 0;
    } else if (target.id === "thread") {
      threadWasNearBottom = nearBottom(target);
    }
  });
  document.addEventListener("htmx:afterSettle", function (evt) {
    var target = evt.detail.target;
    if (target.id === "conversation-list" || (target.closest && target.closest("#conversation-list"))) {
      var list = document.querySelector("#conversation-list .conversations");
      if (list) list.scrollTop = listScroll;
    } else if (target.id === "thread" && threadWasNearBottom) {
      scrollThread(false);
    }
  });

  // A select in the side panel saves when changed (its button stays for keyboards and for pages without script).
  document.addEventListener("change", function (evt) {
    var select = evt.target;
    if (select.matches && select.matches("select[data-autosubmit]") && select.form) select.form.requestSubmit();
  });

  // WhatsApp formatting, as lib/chatformat.py renders it: the text is escaped first, then the markers become tags.
  var BOLD = /(^|[^\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])/g;
  var ITALIC = /(^|[^\w_])_(?=\S)([^_\n]+?)(?<=\S)_(?![\w_])/g;
  var STRIKE = /(^|[^\w~])~(?=\S)([^~\n]+?)(?<=\S)~(?![\w~])/g;
  var MONO = /```([\s\S]+?)```/g;
  var ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

  function escapeHtml(text) {
    return text.replace(/[&<>"']/g, function (c) { return ESCAPES[c]; });
  }

  function whatsappHtml(text) {
    var held = [];
    var html = escapeHtml(text.replace(/[\uE000\uE001]/g, ""));
    html = html.replace(MONO, function (m, code) {
      held.push("<code>" + code + "</code>");
      return "\uE000" + (held.length - 1) + "\uE001";
    });
    html = html.replace(BOLD, "$1<b>$2</b>").replace(ITALIC, "$1<i>$2</i>").replace(STRIKE, "$1<s>$2</s>");
    html = html.replace(/\uE000(\d+)\uE001/g, function (m, i) { return held[Number(i)]; });
    return html.replace(/\n/g, "<br>");
  }

  function setUpComposer() {
    var area = document.querySelector("textarea[data-composer]");
    if (!area) return;
    var box = document.getElementById("saved-suggestions");
    var preview = document.getElementById("composer-preview");
    var previewBody = preview && preview.querySelector(".preview-body");
    var source = document.getElementById("saved-replies");
    var saved = source ? JSON.parse(source.textContent) : [];
    var matches = [];
    var active = -1;
    var token = null;

    function updatePreview() {
      if (!preview) return;
      var text = area.value;
      var formatted = /[*_~]|```/.test(text);
      preview.hidden = !formatted;
      if (formatted) previewBody.innerHTML = whatsappHtml(text);   // escaped before any tag is added
    }

    function currentToken() {
      var caret = area.selectionStart;
      if (caret !== area.selectionEnd) return null;
      var found = /(^|\s)\/([\w-]*)$/.exec(area.value.slice(0, caret));
      return found ? { start: caret - found[2].length - 1, end: caret, query: found[2].toLowerCase() } : null;
    }

    function close() {
      box.hidden = true;
      box.textContent = "";
      matches = [];
      active = -1;
      area.removeAttribute("aria-activedescendant");
    }

    function highlight(index) {
      active = index;
      Array.prototype.forEach.call(box.children, function (li, i) {
        li.setAttribute("aria-selected", i === index ? "true" : "false");
        if (i === index) li.scrollIntoView({ block: "nearest" });
      });
      if (index >= 0) area.setAttribute("aria-activedescendant", "saved-option-" + index);
    }

    function open() {
      token = currentToken();
      if (!token || !saved.length) return close();
      matches = saved.filter(function (s) {
        return s.code.indexOf(token.query) === 0 || s.title.toLowerCase().indexOf(token.query) !== -1;
      }).slice(0, 8);
      if (!matches.length) return close();
      box.textContent = "";
      matches.forEach(function (s, i) {
        var li = document.createElement("li");
        li.id = "saved-option-" + i;
        li.setAttribute("role", "option");
        var code = document.createElement("code");
        code.textContent = "/" + s.code;
        var text = document.createElement("small");
        text.textContent = s.text;
        li.append(code, " " + s.title, text);
        li.addEventListener("mousedown", function (evt) {
          evt.preventDefault();
          choose(i);
        });
        box.appendChild(li);
      });
      box.hidden = false;
      highlight(0);
    }

    function choose(index) {
      var s = matches[index];
      if (!s || !token) return;
      var value = area.value;
      area.value = value.slice(0, token.start) + s.text + value.slice(token.end);
      var caret = token.start + s.text.length;
      area.setSelectionRange(caret, caret);
      close();
      area.focus();
      updatePreview();
    }

    area.addEventListener("input", function () {
      open();
      updatePreview();
    });
    area.addEventListener("click", open);
    area.addEventListener("blur", close);
    area.addEventListener("keydown", function (evt) {
      if (!box.hidden && matches.length) {
        if (evt.key === "ArrowDown" || evt.key === "ArrowUp") {
          evt.preventDefault();
          var step = evt.key === "ArrowDown" ? 1 : -1;
          highlight((active + step + matches.length) % matches.length);
          return;
        }
        if (evt.key === "Enter" || evt.key === "Tab") {
          evt.preventDefault();
          choose(active < 0 ? 0 : active);
          return;
        }
        if (evt.key === "Escape") {
          evt.preventDefault();
          close();
          return;
        }
      }
      if (evt.key === "Enter" && (evt.ctrlKey || evt.metaKey) && area.form) {
        evt.preventDefault();
        area.form.requestSubmit();
      }
    });
    updatePreview();
  }

  function start() {
    fitToViewport();
    scrollThread(true);
    setUpComposer();
  }

  window.addEventListener("resize", fitToViewport);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
