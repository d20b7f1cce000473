// "Use this reply": put a suggestion in the composer; the agent edits, then sends.
document.addEventListener("click", (event) => {
  const button = event.target.closest(".use-suggestion");
  if (!button) return;
  const form = document.querySelector("form.composer");
  if (!form) return;
  const area = form.querySelector("textarea[name=text]");
  area.value = button.dataset.text;
  form.querySelector("input[name=template_key]").value = button.dataset.key;
  area.dispatchEvent(new Event("input", { bubbles: true }));
  area.focus();
});
