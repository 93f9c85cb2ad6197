// Owner visits: the appointment fields apply to a home visit only, the signature to every mode but
// the phone (R-VIS-2, R-VIS-3). desk.js drives the unit picker and Ctrl+Enter.
(() => {
  const form = document.getElementById("desk-form");
  if (!form) return;
  const sections = form.querySelectorAll("[data-mode-section]");
  function syncMode() {
    const checked = form.querySelector("input[name=mode]:checked");
    const value = checked ? checked.value : "";
    sections.forEach((section) => {
      section.classList.toggle("d-none", !!value && !section.dataset.modeSection.split(" ").includes(value));
    });
  }
  form.addEventListener("change", (event) => {
    if (event.target.name === "mode") syncMode();
  });
  syncMode();
})();
