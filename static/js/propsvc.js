// propsvc: small behaviours shared by every page (no inline scripts, so a strict CSP works).
document.addEventListener("change", (event) => {
  const el = event.target;
  if (el.matches("select[data-autosubmit]")) el.form.requestSubmit();
});
// Print buttons: <button data-print> (no inline onclick, so the CSP allows no inline handler at all).
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) window.print();
});
