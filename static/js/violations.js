// Violations: the register form shows only the types of the chosen category and the notes of the
// facts ticked, and previews the severity they decide (R-VIO-3); the penalty form shows the amount
// only where it applies.
(() => {
  const subtypes = document.getElementById("violation-subtypes");
  const category = document.getElementById("id_category");
  const subtype = document.getElementById("id_subtype");
  if (subtypes && category && subtype) {
    const byCategory = JSON.parse(subtypes.textContent);
    const syncTypes = () => {
      const allowed = byCategory[category.value] || [];
      subtype.querySelectorAll("option").forEach((option) => {
        if (!option.value) return;
        const show = allowed.includes(option.value);
        option.hidden = !show;
        option.disabled = !show;
      });
      subtype.querySelectorAll("optgroup").forEach((group) => {
        group.hidden = !Array.from(group.querySelectorAll("option")).some((o) => !o.hidden);
      });
      if (subtype.value && !allowed.includes(subtype.value)) subtype.value = "";
      if (!subtype.value && allowed.length === 1) subtype.value = allowed[0];
    };
    category.addEventListener("change", syncTypes);
    syncTypes();
  }

  const preview = document.getElementById("severity-preview");
  const facts = [
    ["id_caused_loss", "div_id_loss_note"],
    ["id_threatens_safety", "div_id_safety_note"],
  ];
  const syncFacts = () => {
    let major = false;
    facts.forEach(([box, note]) => {
      const checkbox = document.getElementById(box);
      const div = document.getElementById(note);
      if (!checkbox) return;
      major = major || checkbox.checked;
      if (div) div.classList.toggle("d-none", !checkbox.checked);
    });
    if (preview) {
      preview.textContent = major ? preview.dataset.major : preview.dataset.general;
      preview.className = `mb-0 small fw-bold ${major ? "text-danger" : "text-muted"}`;
    }
  };
  facts.forEach(([box]) => document.getElementById(box)?.addEventListener("change", syncFacts));
  if (preview) syncFacts();

  // The reassess step on the detail page uses the same fields with a prefix.
  const reassess = document.querySelector("#action-reassess form");
  if (reassess) {
    const sync = () => {
      [["reassess-caused_loss", "reassess-loss_note"], ["reassess-threatens_safety", "reassess-safety_note"]].forEach(
        ([box, note]) => {
          const checkbox = document.getElementById(`id_${box}`);
          const div = document.getElementById(`div_id_${note}`);
          if (checkbox && div) div.classList.toggle("d-none", !checkbox.checked);
        },
      );
    };
    reassess.addEventListener("change", sync);
    sync();
  }

  const penalty = document.querySelector("#action-propose form");
  if (penalty) {
    const sync = () => {
      const checked = penalty.querySelector("input[name='propose-kind']:checked");
      const div = document.getElementById("div_id_propose-amount");
      if (div) div.classList.toggle("d-none", !checked || checked.value === "criticism");
    };
    penalty.addEventListener("change", sync);
    sync();
  }
})();
