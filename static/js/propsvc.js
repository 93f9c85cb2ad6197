// propsvc: small behaviours shared by every page (no inline scripts, so a strict CSP works).
document.addEventListener("change", (event) => {
  const el = event.target;
  if (el.matches("select[data-autosubmit]")) el.form.requestSubmit();
});
