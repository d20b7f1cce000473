// Live updates (docs/team.md "Working together"). One EventSource per page on /events:
// "unread" sets the tab title and the bell, "inbox" refreshes the list (htmx listens for
// kefu:inbox on the body), "notification" shows a desktop notification and plays a beep
// when the person switched them on, "presence" refreshes the warning in an open
// conversation. The open conversation also sends a heartbeat (viewing, typing).

(function () {
  "use strict";
  const HEARTBEAT_MS = 10000;
  const TYPING_MS = 3000;
  const INBOX_MS = 5000;
  const PREFS = "kefu.live.";
  let source = null;
  let sourceConversation = null;
  let lastTyping = 0;
  const baseTitle = document.title.replace(/^\(\d+\)\s*/, "");

  function csrf() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRF-Token"] || "";
    } catch (e) {
      return "";
    }
  }

  function openConversation() {
    const el = document.querySelector(".conversation[data-conversation-id]");
    return el ? el.dataset.conversationId : null;
  }

  function pref(name) {
    try {
      return localStorage.getItem(PREFS + name) === "on";
    } catch (e) {
      return false;
    }
  }

  function setUnread(count) {
    document.title = count > 0 ? "(" + count + ") " + baseTitle : baseTitle;
    const bell = document.getElementById("kefu-bell-count");
    if (bell) {
      bell.textContent = count > 0 ? String(count) : "";
      bell.hidden = count <= 0;
    }
  }

  function beep() {
    const Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) return;
    const audio = new Context();
    const tone = audio.createOscillator();
    const gain = audio.createGain();
    tone.frequency.value = 880;
    gain.gain.setValueAtTime(0.08, audio.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.0001, audio.currentTime + 0.25);
    tone.connect(gain).connect(audio.destination);
    tone.start();
    tone.stop(audio.currentTime + 0.25);
    tone.onended = function () { audio.close(); };
  }

  function firstTime(tag) {
    // Several tabs receive the same event: only one of them notifies.
    try {
      const key = PREFS + "seen." + tag;
      if (localStorage.getItem(key)) return false;
      localStorage.setItem(key, String(Date.now()));
      return true;
    } catch (e) {
      return true;
    }
  }

  function notify(data) {
    document.body.dispatchEvent(new CustomEvent("kefu:notification", { detail: data }));
    if (!firstTime(data.tag || data.url)) return;
    if (pref("sound")) beep();
    if (pref("desktop") && "Notification" in window && Notification.permission === "granted") {
      const shown = new Notification(data.title, { body: data.body || "", tag: data.tag });
      shown.onclick = function () {
        window.focus();
        window.location.href = data.url;
      };
    }
  }

  function replacePresence(html) {
    const banner = document.getElementById("presence");
    if (banner && html) banner.outerHTML = html;
  }

  function presence(state) {
    const id = openConversation();
    if (!id) return;
    const body = new URLSearchParams({ state: state });
    fetch("/conversations/" + id + "/presence", {
      method: "POST",
      headers: { "X-CSRF-Token": csrf(), "HX-Request": "true" },
      body: body,
      credentials: "same-origin",
    }).then(function (r) { return r.ok ? r.text() : ""; }).then(replacePresence).catch(function () {});
  }

  function refreshPresence() {
    const id = openConversation();
    if (!id) return;
    fetch("/conversations/" + id + "/presence", { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : ""; })
      .then(replacePresence)
      .catch(function () {});
  }

  let inboxTimer = null;
  let inboxAt = 0;

  function refreshInbox() {
    // A busy shop changes every poll: reload the list at most every INBOX_MS.
    if (inboxTimer) return;
    const wait = Math.max(0, inboxAt + INBOX_MS - Date.now());
    inboxTimer = setTimeout(function () {
      inboxTimer = null;
      inboxAt = Date.now();
      document.body.dispatchEvent(new CustomEvent("kefu:inbox"));
    }, wait);
  }

  function connect() {
    const conversation = openConversation();
    if (source && sourceConversation === conversation) return;
    if (source) source.close();
    sourceConversation = conversation;
    source = new EventSource("/events" + (conversation ? "?conversation=" + conversation : ""));
    source.addEventListener("unread", function (e) { setUnread(JSON.parse(e.data).count); });
    source.addEventListener("inbox", refreshInbox);
    source.addEventListener("notification", function (e) { notify(JSON.parse(e.data)); });
    source.addEventListener("presence", refreshPresence);
  }

  function wirePrefs() {
    document.querySelectorAll("input.live-pref").forEach(function (box) {
      box.checked = pref(box.dataset.pref);
      box.addEventListener("change", function () {
        const name = box.dataset.pref;
        const store = function (on) {
          try { localStorage.setItem(PREFS + name, on ? "on" : "off"); } catch (e) { /* private mode */ }
        };
        if (!box.checked) return store(false);
        if (name === "sound") {
          beep();
          return store(true);
        }
        if (!("Notification" in window)) {
          box.checked = false;
          return store(false);
        }
        Notification.requestPermission().then(function (answer) {
          box.checked = answer === "granted";
          store(box.checked);
          const denied = box.closest("fieldset").querySelector(".live-pref-denied");
          if (denied) denied.hidden = box.checked;
        });
      });
    });
  }

  function insertMention(button) {
    const area = document.getElementById("note-text");
    if (!area) return;
    const word = "@" + button.dataset.mention + " ";
    const at = area.selectionStart || area.value.length;
    const before = area.value.slice(0, at);
    const glue = before && !/\s$/.test(before) ? " " : "";
    area.value = before + glue + word + area.value.slice(at);
    area.focus();
    area.selectionStart = area.selectionEnd = (before + glue + word).length;
  }

  function showRefusal(event) {
    // htmx does not swap an error answer: show the server's words instead of nothing.
    const xhr = event.detail.xhr;
    if (!xhr || !xhr.responseText || xhr.status < 400) return;
    let region = document.getElementById("kefu-toast");
    if (!region) {
      region = document.createElement("div");
      region.id = "kefu-toast";
      region.setAttribute("role", "alert");
      region.dataset.testid = "refusal";
      (document.querySelector("main") || document.body).prepend(region);
    }
    const doc = new DOMParser().parseFromString(xhr.responseText, "text/html");
    const flash = doc.querySelector(".flash");
    region.textContent = flash ? flash.textContent : "";
    region.className = flash ? "flash error" : "";
  }

  document.addEventListener("click", function (e) {
    const pick = e.target.closest && e.target.closest(".mention-pick");
    if (pick) insertMention(pick);
  });
  document.addEventListener("input", function (e) {
    const id = e.target && e.target.id;
    if ((id === "reply-text" || id === "agent-text") && Date.now() - lastTyping > TYPING_MS) {
      lastTyping = Date.now();
      presence("typing");
    }
  });
  document.addEventListener("htmx:responseError", showRefusal);
  document.addEventListener("htmx:afterSwap", function () {
    connect();
    wirePrefs();
    refreshPresence(); // a swapped conversation comes with an empty warning
  });
  document.addEventListener("DOMContentLoaded", function () {
    if (!document.body.dataset.live) return;
    connect();
    wirePrefs();
    presence("viewing");
    // A tab in the background is not someone looking: its row goes stale after 30 s.
    setInterval(function () { if (!document.hidden) presence("viewing"); }, HEARTBEAT_MS);
    document.addEventListener("visibilitychange", function () {
      if (!document.hidden) presence("viewing");
    });
  });
  window.addEventListener("pagehide", function () { if (source) source.close(); });
})();
