// The front-desk entry page: pick a unit from the keyboard, show only the outcome fields that apply.
(() => {
  const form = document.getElementById("desk-form");
  if (!form) return;
  const query = document.getElementById("unit-query");
  const matches = document.getElementById("unit-matches");
  const unitInput = document.getElementById("id_unit");
  const chosen = document.getElementById("unit-chosen");
  const options = () => Array.from(matches.querySelectorAll("[data-unit-id]"));

  function pick(option) {
    unitInput.value = option.dataset.unitId;
    chosen.querySelector("[data-unit-label]").textContent = option.dataset.unitLabel;
    chosen.querySelector("[data-unit-owners]").textContent = option.dataset.unitOwners || "";
    chosen.classList.remove("d-none");
    matches.innerHTML = "";
    query.value = "";
    (form.querySelector("[data-after-unit]") || document.getElementById("id_kind") || query).focus();
  }

  query.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault(); // Enter in the unit box picks a unit, it does not submit
      const first = options()[0];
      if (first) pick(first);
    } else if (event.key === "ArrowDown" && options().length) {
      event.preventDefault();
      options()[0].focus();
    }
  });

  matches.addEventListener("keydown", (event) => {
    const list = options();
    const index = list.indexOf(document.activeElement);
    if (event.key === "ArrowDown" && index < list.length - 1) {
      event.preventDefault();
      list[index + 1].focus();
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      (index > 0 ? list[index - 1] : query).focus();
    } else if (event.key === "Escape") {
      query.focus();
    }
  });

  matches.addEventListener("click", (event) => {
    const option = event.target.closest("[data-unit-id]");
    if (option) pick(option);
  });

  chosen.querySelector("[data-unit-clear]").addEventListener("click", () => {
    unitInput.value = "";
    chosen.classList.add("d-none");
    query.focus();
  });

  // Who came: a tenant or visitor needs name, phone and consent.
  const nonOwner = document.getElementById("non-owner");
  function syncContact() {
    if (!nonOwner) return;
    const checked = form.querySelector("input[name=contact_type]:checked");
    nonOwner.classList.toggle("d-none", !checked || checked.value === "owner");
  }

  // The outcome decides which fields apply.
  function syncOutcome() {
    const checked = form.querySelector("input[name=outcome]:checked");
    const value = checked ? checked.value : "";
    form.querySelectorAll("[data-outcome-section]").forEach((section) => {
      section.classList.toggle("d-none", !section.dataset.outcomeSection.split(" ").includes(value));
    });
  }

  form.addEventListener("change", (event) => {
    if (event.target.name === "contact_type") syncContact();
    if (event.target.name === "outcome") syncOutcome();
  });
  syncContact();
  syncOutcome();

  // Ctrl+Enter saves from a text box.
  form.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
})();
