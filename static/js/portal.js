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
