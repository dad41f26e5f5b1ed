// A page of a list with a tick box per row, drawn in the app's page (st.components.v2; ui/tick_list.py).
// Two components share a channel (window.landparkTickLists[channel]): this table, whose data (the page's rows)
// stays the same while its rows do, so a tick does not send it again; and the small state component
// (tick_state.js) carrying the page's ticked ids and the number of the last tick Python applied.
// A tick is sent at once as {page, ticked, n}.

const escape = (value) => String(value).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);

function channel(name) {
  const lists = (window.landparkTickLists = window.landparkTickLists || {});
  return (lists[name] = lists[name] || {});
}

function build(root, data) {  // a new scroller: it starts at the top without a forced layout (scrollTop = 0 forces one)
  const numeric = new Set(data.numeric);
  const cls = (i) => (numeric.has(i) ? ' class="num"' : "");
  const head = data.columns.map((name, i) => `<th${cls(i)}>${escape(name)}</th>`).join("");
  const body = data.rows.map((row, r) => `<tr><td class="tick"><input type="checkbox" aria-label="${escape(data.tick_label)} ${escape(data.ids[r])}"></td>`
    + row.map((cell, i) => `<td${cls(i)}>${escape(cell)}</td>`).join("") + "</tr>").join("");
  const scroller = document.createElement("div");
  scroller.className = "landpark-ticks";
  scroller.style.maxHeight = `${data.height}px`;
  scroller.innerHTML = `<table><thead><tr><th class="tick"><input type="checkbox" class="all" aria-label="${escape(data.all_label)}" title="${escape(data.all_label)}"></th>${head}</tr></thead><tbody>${body}</tbody></table>`;
  root.replaceChildren(scroller);
  root.dataset.signature = data.signature;
}

function showTicks(root, ids, ticked) {
  const boxes = root.querySelectorAll("tbody input");
  let count = 0;
  boxes.forEach((box, r) => {
    box.checked = ticked.has(ids[r]);
    box.closest("tr").classList.toggle("ticked", box.checked);
    count += box.checked ? 1 : 0;
  });
  const all = root.querySelector("input.all");
  if (all) {
    all.checked = boxes.length > 0 && count === boxes.length;
    all.indeterminate = count > 0 && count < boxes.length;
  }
}

function applyState(entry) {  // the page's ticks from Python, unless a newer tick of this list is on its way
  const { root, state } = entry;
  if (!root || !state || !root._landpark) { return; }
  if (entry.sent !== undefined && entry.sent !== state.applied) { return; }
  showTicks(root, root._landpark.data.ids, new Set(state.selected));
}

function send(root, entry) {
  const { data, setStateValue } = root._landpark;
  const boxes = [...root.querySelectorAll("tbody input")];
  const ticked = data.ids.filter((id, r) => boxes[r] && boxes[r].checked);
  entry.sent = Date.now() + Math.random();
  showTicks(root, data.ids, new Set(ticked));
  setStateValue("ticks", { page: data.ids, ticked, n: entry.sent });
}

function listen(root, entry) {
  root.addEventListener("change", (event) => {
    const box = event.target;
    if (box.classList.contains("all")) {
      root.querySelectorAll("tbody input").forEach((b) => { b.checked = box.checked; });
    }
    send(root, entry);
  });
  root.addEventListener("click", (event) => {  // a click anywhere on a row ticks it, as on its box
    const cell = event.target.closest("td");
    if (!cell || cell.classList.contains("tick") || String(window.getSelection() || "")) { return; }
    const box = cell.parentElement.querySelector("input");
    box.checked = !box.checked;
    send(root, entry);
  });
}

export default function (component) {
  const { data, parentElement, setStateValue } = component;
  const entry = channel(data.channel);
  entry.apply = () => applyState(entry);  // called by the state component (tick_state.js) when the ticks change
  let root = parentElement.querySelector(".landpark-tick-list");
  if (!root) {  // kept across runs: it holds the listeners; the table scrolls in a child made anew with new rows
    root = document.createElement("div");
    root.className = "landpark-tick-list";
    parentElement.appendChild(root);
    listen(root, entry);
  }
  entry.root = root;
  root._landpark = { data, setStateValue };
  if (root.dataset.signature !== data.signature) {
    build(root, data);
    entry.sent = undefined;  // new rows: Python's ticks hold
  }
  applyState(entry);
}
