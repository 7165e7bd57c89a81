// "Salin teks" buttons: <button data-copy="#selector" data-copied="label"> copies that element's text.
document.addEventListener("click", async (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button) return;
  const source = document.querySelector(button.dataset.copy);
  if (!source) return;
  try {
    await navigator.clipboard.writeText(source.innerText);
    const label = button.textContent;
    button.textContent = button.dataset.copied || label;
    setTimeout(() => { button.textContent = label; }, 2000);
  } catch {
    window.getSelection().selectAllChildren(source);
  }
});
