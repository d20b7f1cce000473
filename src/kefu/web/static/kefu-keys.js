// Keyboard shortcuts of the split inbox (docs/inbox.md "Keyboard"). Plain JS, no framework.
// j/k choose the next/previous row, Enter opens it, r goes to the composer, e closes,
// 1-5 set a colour mark (again clears it), a goes to the assignee menu, x selects the row
// for a bulk action, / goes to the search box, ? shows the list. Nothing fires while the
// person types in a field; Esc leaves the field, Ctrl+Enter in the composer sends.
(function () {
  "use strict";

  const MARKS = ["yellow", "blue", "green", "red", "purple"];
  let chosen = -1; // index of the chosen row when no conversation is open yet

  // Rows of the list pane: the inbox list and the search results share the convention
  // class="row" data-conversation-id="ID".
  function rows() {
    return Array.from(document.querySelectorAll("#list-body .row[data-conversation-id]"));
  }

  function pane() {
    return document.getElementById("conversation");
  }

  function openId() {
    const open = document.querySelector("#conversation .conversation[data-conversation-id]");
    return open ? open.dataset.conversationId : null;
  }

  function currentIndex() {
    const list = rows();
    const marked = list.findIndex((row) => row.classList.contains("current"));
    if (marked >= 0) return marked;
    return Math.min(chosen, list.length - 1);
  }

  function choose(index) {
    const list = rows();
    if (!list.length) return;
    const next = Math.max(0, Math.min(index, list.length - 1));
    list.forEach((row, i) => {
      row.classList.toggle("current", i === next);
      if (i === next) row.setAttribute("aria-current", "true");
      else row.removeAttribute("aria-current");
    });
    chosen = next;
    list[next].scrollIntoView({ block: "nearest" });
  }

  function openChosen() {
    const list = rows();
    const row = list[currentIndex()];
    if (!row) return;
    const link = row.querySelector("a[href^='/conversations/']");
    if (link) press(link);
  }

  // Which row is the open conversation's, after a swap of the list or the conversation.
  function markOpenRow() {
    const id = openId();
    if (!id) return;
    const index = rows().findIndex((row) => row.dataset.conversationId === id);
    if (index >= 0) choose(index);
  }

  // A key may come within htmx's settle time after a swap: process the element first so
  // its form goes by htmx (a native submit would reload the page with the default list).
  function press(element) {
    if (window.htmx) window.htmx.process(element.closest("form") || element);
    element.click();
  }

  function clickIn(selector) {
    const target = pane() && pane().querySelector(selector);
    if (target) press(target);
    return Boolean(target);
  }

  function mark(number) {
    const colour = MARKS[number - 1];
    const button = pane() && pane().querySelector(`form.marks button[value="${colour}"]`);
    if (!button) return;
    if (button.getAttribute("aria-pressed") === "true") {
      clickIn('form.marks button[value=""]');
    } else {
      press(button);
    }
  }

  function focusComposer() {
    const box = document.getElementById("agent-text") || document.getElementById("reply-text");
    if (box) box.focus();
  }

  function toggleShortcuts(show) {
    const list = document.getElementById("shortcuts");
    if (!list) return;
    list.hidden = show === undefined ? !list.hidden : !show;
    if (!list.hidden) list.querySelector(".close-shortcuts").focus();
  }

  function selectChosen() {
    const row = rows()[currentIndex()];
    const box = row && row.querySelector(".row-check");
    if (box) {
      box.checked = !box.checked;
      box.dispatchEvent(new Event("change", { bubbles: true }));
    }
  }

  function typing(target) {
    if (!(target instanceof Element)) return false;
    if (target.isContentEditable) return true;
    return Boolean(target.closest("input, textarea, select"));
  }

  const ACTIONS = {
    j: () => choose(currentIndex() + 1),
    k: () => choose(Math.max(0, currentIndex() - 1)),
    Enter: openChosen,
    r: focusComposer,
    e: () => clickIn('form[action$="/close"] button[type=submit]'),
    a: () => {
      const menu = pane() && pane().querySelector("form.assign select");
      if (menu) menu.focus();
    },
    x: selectChosen,
    "/": () => {
      const box = document.querySelector("form.searchbox input[type=search]");
      if (box) box.focus();
    },
    "?": () => toggleShortcuts(),
  };

  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || event.isComposing) return;
    const target = event.target;
    if (typing(target)) {
      if (event.key === "Escape") target.blur();
      const composer = target.closest("form.composer");
      if (composer && event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        composer.requestSubmit();
      }
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "Escape") {
      toggleShortcuts(false);
      return;
    }
    if (event.key === "Enter" && target instanceof Element && target.closest("a, button, summary")) {
      return; // Enter on a focused link or button does what it says
    }
    if (/^[1-5]$/.test(event.key)) {
      event.preventDefault();
      mark(Number(event.key));
      return;
    }
    const action = ACTIONS[event.key];
    if (!action) return;
    event.preventDefault();
    action();
  });

  document.addEventListener("click", (event) => {
    if (event.target.closest(".close-shortcuts")) toggleShortcuts(false);
    // A click anywhere on a row opens it, as its link does (not on its box or a link).
    const row = event.target.closest("#list-body .row[data-conversation-id]");
    if (!row || event.target.closest("a, input, button, label, select")) return;
    const link = row.querySelector("a[href^='/conversations/']");
    if (link) link.click();
  });

  // A search result shown in the list pane opens in the right pane, as a row does, so
  // the results stay beside it (on the Search page itself it is a plain link).
  document.addEventListener("click", (event) => {
    const link = event.target.closest && event.target.closest("#list-body .search-results a[href^='/conversations/']");
    if (!link || !document.getElementById("conversation") || !window.htmx) return;
    if (event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
    event.preventDefault();
    window.htmx.ajax("GET", link.getAttribute("href"), { target: "#conversation", swap: "innerHTML" })
      .then(() => history.pushState({}, "", link.getAttribute("href")));
  });

  // Selections survive the list's refresh; the bar counts them and is idle at zero.
  const selected = new Set();

  function showSelection() {
    const bar = document.getElementById("bulk");
    if (!bar) return;
    const count = bar.querySelector(".selected-count");
    if (count) count.textContent = count.dataset.label.replace("%(n)s", String(selected.size));
    bar.querySelectorAll("button[name=action]").forEach((b) => {
      b.disabled = selected.size === 0;
    });
  }

  document.addEventListener("change", (event) => {
    const box = event.target.closest && event.target.closest(".row-check");
    if (!box) return;
    if (box.checked) selected.add(box.value);
    else selected.delete(box.value);
    showSelection();
  });

  document.addEventListener("htmx:afterSwap", (event) => {
    const target = event.detail.target;
    if (!target) return;
    if (target.id === "bulk-result") {
      // The bulk action is done: the list reloads (HX-Trigger) with nothing selected.
      selected.clear();
      showSelection();
      return;
    }
    document.querySelectorAll(".row-check").forEach((box) => {
      box.checked = selected.has(box.value);
    });
    markOpenRow();
  });

  document.addEventListener("DOMContentLoaded", () => {
    showSelection();
    markOpenRow();
  });
})();
