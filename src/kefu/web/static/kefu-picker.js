// A searchable pick list: typing in an input[data-filter] hides the choices of its list
// (data-filter names the list's id) whose words do not contain what was typed. Ticked
// choices always stay visible, so filtering never hides what will be saved.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("input[data-filter]").forEach(function (input) {
    var list = document.getElementById(input.dataset.filter);
    var shown = document.getElementById(input.dataset.filter + "-shown");
    if (!list) return;
    function apply() {
      var words = input.value.trim().toLowerCase();
      var count = 0;
      list.querySelectorAll("[data-choice]").forEach(function (choice) {
        var box = choice.querySelector("input");
        var match = !words || choice.dataset.choice.indexOf(words) !== -1 || (box && box.checked);
        choice.hidden = !match;
        if (match) count += 1;
      });
      list.querySelectorAll("fieldset").forEach(function (group) {
        group.hidden = !group.querySelector("[data-choice]:not([hidden])");
      });
      if (shown) shown.textContent = count;
    }
    input.addEventListener("input", apply);
    apply();
  });
});
