// The paper returns grid (R-SUR-1, R-SUR-5): one code per item cell — 1 satisfied, 2 basically
// satisfied, 3 dissatisfied, 0 several ticked, empty blank. Typing a code fills the cell and moves
// on; other characters are ignored; arrow keys and Enter move between cells and rows; Ctrl+Enter
// saves; a row's eraser empties it (not returned). Without JS the page is a plain form that the
// server checks cell by cell.
(() => {
  const form = document.getElementById("returns-grid");
  if (!form) return;
  const CODES = ["0", "1", "2", "3"];
  const rows = () => Array.from(form.querySelectorAll("tr[data-grid-row]"));
  const cellsOf = (row) => Array.from(row.querySelectorAll("[data-grid-code], [data-grid-text]"));

  function position(el) {
    const row = el.closest("tr[data-grid-row]");
    return { row, rowIndex: rows().indexOf(row), col: cellsOf(row).indexOf(el) };
  }

  function focusCell(rowIndex, col) {
    const all = rows();
    if (rowIndex < 0 || rowIndex >= all.length) return false;
    const cells = cellsOf(all[rowIndex]);
    const cell = cells[Math.max(0, Math.min(col, cells.length - 1))];
    if (!cell) return false;
    cell.focus();
    if (cell.select) cell.select();
    return true;
  }

  function next(el) {
    const { rowIndex, col, row } = position(el);
    if (col + 1 < cellsOf(row).length) focusCell(rowIndex, col + 1);
    else focusCell(rowIndex + 1, 0);
  }

  function previous(el) {
    const { rowIndex, col } = position(el);
    if (col > 0) focusCell(rowIndex, col - 1);
    else if (rowIndex > 0) focusCell(rowIndex - 1, cellsOf(rows()[rowIndex - 1]).length - 1);
  }

  form.addEventListener("keydown", (event) => {
    const el = event.target;
    if (!el.matches("[data-grid-code], [data-grid-text]")) return;
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      form.requestSubmit();
      return;
    }
    const { rowIndex, col } = position(el);
    const isCode = el.matches("[data-grid-code]");
    const atStart = !isCode && el.tagName === "INPUT" && el.selectionStart === 0 && el.selectionEnd === 0;
    const atEnd = !isCode && el.tagName === "INPUT" && el.selectionStart === el.value.length;
    switch (event.key) {
      case "Enter":
        event.preventDefault();
        focusCell(rowIndex + 1, 0);
        return;
      case "ArrowDown":
        if (el.tagName === "SELECT") return; // the select's own list
        event.preventDefault();
        focusCell(rowIndex + 1, col);
        return;
      case "ArrowUp":
        if (el.tagName === "SELECT") return;
        event.preventDefault();
        focusCell(rowIndex - 1, col);
        return;
      case "ArrowRight":
        if (isCode || atEnd || el.tagName === "SELECT") {
          event.preventDefault();
          next(el);
        }
        return;
      case "ArrowLeft":
        if (isCode || atStart || el.tagName === "SELECT") {
          event.preventDefault();
          previous(el);
        }
        return;
      default:
    }
    if (!isCode || event.ctrlKey || event.metaKey || event.altKey || event.key.length !== 1) return;
    event.preventDefault(); // one code per cell: a valid digit replaces it, anything else is ignored
    if (CODES.includes(event.key)) {
      el.value = event.key;
      el.classList.remove("is-invalid");
      next(el);
    }
  });

  // Pasted or autofilled text: keep only a valid code.
  form.addEventListener("input", (event) => {
    const el = event.target;
    if (!el.matches("[data-grid-code]")) return;
    const code = el.value.trim().slice(-1);
    el.value = CODES.includes(code) ? code : "";
  });

  // The eraser empties the row here (saved with the page); without JS it posts and the server does it.
  form.addEventListener("click", (event) => {
    const button = event.target.closest("[data-grid-clear]");
    if (!button) return;
    event.preventDefault();
    const row = button.closest("tr[data-grid-row]");
    cellsOf(row).forEach((cell) => {
      cell.value = "";
      cell.classList.remove("is-invalid");
    });
    focusCell(rows().indexOf(row), 0);
  });

  // Start where the work is: the first cell refused, or the first row not yet returned.
  const invalid = form.querySelector(".is-invalid");
  if (invalid) invalid.focus();
  else {
    const open = rows().find((row) => cellsOf(row).every((cell) => !cell.value));
    if (open) cellsOf(open)[0].focus();
  }
})();
