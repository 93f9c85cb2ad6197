// The complaint detail page: each step's form shows only the fields that apply.
(() => {
  function toggle(formSelector, radioName, groups) {
    const form = document.querySelector(formSelector);
    if (!form) return;
    function sync() {
      const checked = form.querySelector(`input[name='${radioName}']:checked`);
      const value = checked ? checked.value : "";
      Object.entries(groups).forEach(([names, values]) => {
        names.split(" ").forEach((name) => {
          const div = document.getElementById(`div_id_${name}`);
          if (div) div.classList.toggle("d-none", !values.includes(value));
        });
      });
    }
    form.addEventListener("change", sync);
    sync();
  }
  // R-CMP-3: a valid complaint gets its plan; an invalid one the explanation and its basis.
  toggle("#action-triage form", "triage-valid", {
    "triage-plan": ["valid"],
    "triage-explanation triage-basis": ["invalid"],
  });
  // R-CB-4: who fixes it, what will be done and the next call-back, only when dissatisfied.
  toggle("#action-callback form", "callback-satisfaction", {
    "callback-assignee callback-fix_note callback-next_callback_at": ["dissatisfied"],
  });
})();
