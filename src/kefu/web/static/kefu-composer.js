// The composer. The buyer receives the text of textarea[name=text]: a template already in
// the buyer's language (template_part), then the translation of what the agent writes in
// their own language. Once the agent edits the buyer's text by hand, the translation no
// longer replaces it, until they ask for it again.

function composerParts() {
  const form = document.querySelector("form.composer");
  if (!form) return null;
  return {
    form: form,
    area: form.querySelector("textarea[name=text]"),
    part: form.querySelector("input[name=template_part]"),
    note: form.querySelector(".edited-note"),
  };
}

function fillBuyerText(parts, translated) {
  const pieces = [];
  if (parts.part && parts.part.value.trim()) pieces.push(parts.part.value.trim());
  if (translated && translated.trim()) pieces.push(translated.trim());
  parts.area.value = pieces.join("\n\n");
  parts.area.dataset.filling = "1";
  parts.area.dispatchEvent(new Event("input", { bubbles: true }));
  delete parts.area.dataset.filling;
}

function latestTranslation() {
  const result = document.querySelector("#draft-translation [data-buyer-text]");
  return result ? result.dataset.buyerText : "";
}

// "Use this reply": put a suggestion in the composer; the agent edits, then sends.
document.addEventListener("click", (event) => {
  const button = event.target.closest(".use-suggestion");
  if (!button) return;
  const parts = composerParts();
  if (!parts) return;
  parts.form.querySelector("input[name=template_key]").value = button.dataset.key;
  if (parts.part) {
    parts.part.value = button.dataset.text;
    delete parts.area.dataset.handEdited;
    if (parts.note) parts.note.hidden = true;
    fillBuyerText(parts, latestTranslation());
  } else {
    parts.area.value = button.dataset.text;
    parts.area.dispatchEvent(new Event("input", { bubbles: true }));
  }
  parts.area.focus();
});

// A new translation of the agent's words replaces the buyer's text unless edited by hand.
document.addEventListener("htmx:afterSwap", (event) => {
  if (!event.detail.target || event.detail.target.id !== "draft-translation") return;
  const parts = composerParts();
  if (!parts || parts.area.dataset.handEdited) return;
  fillBuyerText(parts, latestTranslation());
});

// While the agent's words wait for their translation, the buyer's text is out of date:
// sending is held until the translation is back (the server checks it too).
document.addEventListener("input", (event) => {
  const parts = composerParts();
  if (parts && event.target.id === "agent-text") parts.form.dataset.translating = "1";
});

document.addEventListener("htmx:afterSwap", (event) => {
  if (!event.detail.target || event.detail.target.id !== "draft-translation") return;
  const parts = composerParts();
  if (parts) delete parts.form.dataset.translating;
});

document.addEventListener("htmx:beforeRequest", (event) => {
  const parts = composerParts();
  if (!parts || event.detail.elt !== parts.form || !parts.form.dataset.translating) return;
  event.preventDefault();
  const note = document.getElementById("draft-translation");
  if (note) note.setAttribute("aria-busy", "true");
});

document.addEventListener("input", (event) => {
  const parts = composerParts();
  if (!parts || event.target !== parts.area || parts.area.dataset.filling) return;
  if (!parts.part) return;
  parts.area.dataset.handEdited = "1";
  if (parts.note) parts.note.hidden = false;
});

document.addEventListener("click", (event) => {
  if (!event.target.closest(".use-translation")) return;
  const parts = composerParts();
  if (!parts) return;
  delete parts.area.dataset.handEdited;
  if (parts.note) parts.note.hidden = true;
  fillBuyerText(parts, latestTranslation());
});

// "Originals only": one click hides every translation in the thread, another shows them.
document.addEventListener("click", (event) => {
  const button = event.target.closest(".toggle-originals");
  if (!button) return;
  const thread = document.querySelector("ol.thread");
  if (!thread) return;
  const hide = !thread.classList.contains("originals-only");
  thread.classList.toggle("originals-only", hide);
  button.setAttribute("aria-pressed", hide ? "true" : "false");
  button.textContent = hide ? button.dataset.showLabel : button.dataset.hideLabel;
});

// A finding's fix: put its replacement in place of the marked span (or remove it), if the
// text there is still what was checked; the check runs again on the edited text.
document.addEventListener("click", (event) => {
  const button = event.target.closest(".apply-fix");
  if (!button) return;
  const parts = composerParts();
  if (!parts) return;
  const start = Number(button.dataset.start);
  const end = Number(button.dataset.end);
  const text = parts.area.value;
  if (text.slice(start, end) !== button.dataset.excerpt) return;
  parts.area.value = text.slice(0, start) + button.dataset.fix + text.slice(end);
  parts.area.dispatchEvent(new Event("input", { bubbles: true }));
  parts.area.focus();
});
