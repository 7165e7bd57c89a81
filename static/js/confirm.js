// Destructive actions ask first: a form (or its submit button) or a link with data-confirm="question" goes ahead
// only after the person says yes. Without JavaScript the action still works; erasure has its own server-side step.
document.addEventListener("submit", (event) => {
  const question = event.submitter?.dataset.confirm || event.target.dataset.confirm;
  if (question && !window.confirm(question)) {
    event.preventDefault();
    event.stopImmediatePropagation();      // htmx forms listen on the form itself
  }
}, true);
document.addEventListener("click", (event) => {
  const link = event.target.closest("a[data-confirm]");
  if (link && !window.confirm(link.dataset.confirm)) event.preventDefault();
});
