// Countdown to the next election stage: the page says "N hari lagi"; this keeps it exact to the hour.
document.querySelectorAll(".countdown[data-start]").forEach(function (el) {
  var start = new Date(el.getAttribute("data-start"));
  function tick() {
    var ms = start - new Date();
    if (ms <= 0) { return; }
    var days = Math.floor(ms / 86400000), hours = Math.floor((ms % 86400000) / 3600000);
    el.textContent = (document.documentElement.lang === "en")
      ? days + " days " + hours + " hours to go" : days + " hari " + hours + " jam lagi";
  }
  tick();
  setInterval(tick, 60000);
});

// A form sent back with errors: move to the summary, so a screen reader reads it and a phone shows it.
var summary = document.querySelector("[data-autofocus]");
if (summary) { summary.focus(); }

// The file picker says which file was chosen, and at once when it is larger than the form accepts.
document.querySelectorAll(".file-chosen[data-file-for]").forEach(function (out) {
  var input = document.getElementById(out.getAttribute("data-file-for"));
  if (!input) { return; }
  input.addEventListener("change", function () {
    var file = input.files && input.files[0];
    var max = parseInt(input.getAttribute("data-max-bytes") || "0", 10);
    out.classList.remove("chosen", "too-big");
    if (!file) { out.textContent = out.getAttribute("data-none"); return; }
    var size = file.size >= 1048576 ? (file.size / 1048576).toFixed(1) + " MB" : Math.max(1, Math.round(file.size / 1024)) + " KB";
    out.textContent = out.getAttribute("data-chosen") + " " + file.name + " (" + size + ")";
    if (max && file.size > max) {
      out.textContent += " — " + out.getAttribute("data-too-big");
      out.classList.add("too-big");
    } else {
      out.classList.add("chosen");
    }
  });
});
