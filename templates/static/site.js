/* AVI Atlas: small enhancements on top of pages that read fine without JavaScript.
   - sortable tables (any table.sortable), with the sort kept in the URL for #compare
   - filters for the comparison table (#compare), kept in the URL so a view can be shared
   - copy buttons (BibTeX)
   - search results from the Pagefind index */
(function () {
  "use strict";

  var script = document.currentScript;
  var siteRoot = new URL("..", script ? script.src : location.href);

  /* ---- sorting ---------------------------------------------------------- */
  function cellValue(row, index, type) {
    var cell = row.cells[index];
    if (!cell) return null;
    var raw = cell.hasAttribute("data-value") ? cell.getAttribute("data-value") : cell.textContent.trim();
    if (raw === "" || raw === "—") return null;
    if (type === "number") {
      var n = parseFloat(raw);
      return isNaN(n) ? null : n;
    }
    return raw.toLocaleLowerCase();
  }

  function sortTable(table, index, dir) {
    var head = table.tHead.rows[0];
    var type = head.cells[index].getAttribute("data-type") || "text";
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var va = cellValue(a, index, type), vb = cellValue(b, index, type);
      if (va === null || vb === null) return va === vb ? 0 : va === null ? 1 : -1;  /* blanks last */
      var c = type === "number" ? va - vb : va.localeCompare(vb);
      return dir === "ascending" ? c : -c;
    });
    rows.forEach(function (r) { body.appendChild(r); });
    Array.prototype.forEach.call(head.cells, function (th, i) {
      if (i === index) th.setAttribute("aria-sort", dir); else th.removeAttribute("aria-sort");
      var b = th.querySelector("button.sort");
      if (b) b.textContent = i === index ? (dir === "ascending" ? "▲" : "▼") : "⇅";
    });
  }

  function columnKey(th) {
    return th.textContent.replace(/[⇅▲▼↑↓]/g, "").trim().toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");
  }

  function makeSortable(table, onSort) {
    var head = table.tHead && table.tHead.rows[0];
    if (!head) return;
    Array.prototype.forEach.call(head.cells, function (th, index) {
      var label = th.textContent.replace(/\s+/g, " ").trim();
      var button = document.createElement("button");
      button.type = "button";
      button.className = "sort";
      button.textContent = "⇅";
      button.setAttribute("aria-label", "Sort by " + label);
      button.addEventListener("click", function () {
        var current = th.getAttribute("aria-sort");
        var type = th.getAttribute("data-type") || "text";
        var dir = current ? (current === "ascending" ? "descending" : "ascending")
                          : (type === "number" ? "descending" : "ascending");
        sortTable(table, index, dir);
        if (onSort) onSort(columnKey(th), dir);
      });
      th.appendChild(button);
    });
  }

  /* ---- filters + URL state for the comparison table ------------------------ */
  var FILTERS = ["from", "to", "venue", "method", "in", "out", "code"];

  function rowMatches(row, f) {
    var year = parseInt(row.getAttribute("data-year"), 10);
    if ((f.from || f.to) && isNaN(year)) return false;
    if (f.from && year < parseInt(f.from, 10)) return false;
    if (f.to && year > parseInt(f.to, 10)) return false;
    if (f.venue && row.getAttribute("data-venue") !== f.venue) return false;
    function has(attr, value) { return (row.getAttribute(attr) || "").split(" ").indexOf(value) >= 0; }
    if (f.method && !has("data-methods", f.method)) return false;
    if (f["in"] && !has("data-in", f["in"])) return false;
    if (f.out && !has("data-out", f.out)) return false;
    if (f.code && row.getAttribute("data-code") !== "1") return false;
    return true;
  }

  function readForm(form) {
    var f = {};
    FILTERS.forEach(function (name) {
      var el = form.elements[name];
      if (!el) return;
      f[name] = el.type === "checkbox" ? (el.checked ? "1" : "") : el.value;
    });
    return f;
  }

  function setupCompare(table, form) {
    var params = new URLSearchParams(location.search);
    var state = { sort: params.get("sort") || "", dir: params.get("dir") || "" };

    function writeUrl(f) {
      var p = new URLSearchParams(location.search);
      FILTERS.forEach(function (k) { if (f[k]) p.set(k, f[k]); else p["delete"](k); });
      if (state.sort) { p.set("sort", state.sort); p.set("dir", state.dir); }
      var query = p.toString();
      history.replaceState(null, "", location.pathname + (query ? "?" + query : "") + location.hash);
    }

    function apply(save) {
      var f = form ? readForm(form) : {};
      var rows = table.tBodies[0].rows, shown = 0;
      Array.prototype.forEach.call(rows, function (r) {
        var ok = rowMatches(r, f);
        r.hidden = !ok;
        if (ok) shown++;
      });
      if (form) {
        var count = form.querySelector("[data-count]");
        if (count) count.textContent = "Showing " + shown + " of " + rows.length + " papers.";
      }
      if (save) writeUrl(f);
    }

    if (form) {
      FILTERS.forEach(function (name) {
        var el = form.elements[name], value = params.get(name);
        if (!el || value === null) return;
        if (el.type === "checkbox") el.checked = value === "1";
        else if (Array.prototype.some.call(el.options || [], function (o) { return (o.value || o.text) === value; })) el.value = value;
      });
      form.hidden = false;
      form.addEventListener("change", function () { apply(true); });
      form.addEventListener("submit", function (e) { e.preventDefault(); apply(true); });
      form.addEventListener("reset", function () { setTimeout(function () { apply(true); }, 0); });
    }
    makeSortable(table, function (key, dir) { state.sort = key; state.dir = dir; apply(true); });
    if (state.sort) {
      Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, i) {
        if (columnKey(th) === state.sort) sortTable(table, i, state.dir === "ascending" ? "ascending" : "descending");
      });
    }
    apply(false);
  }

  /* ---- copy buttons ------------------------------------------------------- */
  function setupCopy(button) {
    var target = document.getElementById(button.getAttribute("data-copy"));
    if (!target) return;
    var status = button.parentNode.querySelector(".copy-status");
    button.hidden = false;
    button.addEventListener("click", function () {
      var text = target.textContent;
      function done(ok) { if (status) status.textContent = ok ? "Copied to the clipboard." : "Copy failed: select the text and copy it."; }
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(text).then(function () { done(true); }, function () { done(false); });
      } else {
        var range = document.createRange();
        range.selectNodeContents(target);
        var sel = window.getSelection();
        sel.removeAllRanges();
        sel.addRange(range);
        try { done(document.execCommand("copy")); } catch (e) { done(false); }
      }
    });
  }

  /* ---- search --------------------------------------------------------------- */
  function excerptNodes(html) {
    /* Pagefind's excerpt is text with <mark> around matches: rebuild it from text nodes only. */
    var tpl = document.createElement("template");
    tpl.innerHTML = html;
    var frag = document.createDocumentFragment();
    Array.prototype.forEach.call(tpl.content.childNodes, function (node) {
      if (node.nodeName === "MARK") {
        var m = document.createElement("mark");
        m.textContent = node.textContent;
        frag.appendChild(m);
      } else {
        frag.appendChild(document.createTextNode(node.textContent));
      }
    });
    return frag;
  }

  function setupSearch(form) {
    var input = form.querySelector("input[name=q]");
    var status = document.querySelector("[data-search-status]");
    var list = document.querySelector("[data-search-results]");
    var pagefind = null;

    function load() {
      if (!pagefind) {
        pagefind = import(new URL("pagefind/pagefind.js", siteRoot).href).then(function (pf) {
          return pf.options({ baseUrl: siteRoot.pathname }).then(function () { return pf; });
        });
      }
      return pagefind;
    }

    function run(query) {
      list.textContent = "";
      if (!query.trim()) { status.textContent = ""; return; }
      status.textContent = "Searching…";
      load().then(function (pf) { return pf.search(query); }).then(function (search) {
        var top = search.results.slice(0, 30);
        return Promise.all(top.map(function (r) { return r.data(); })).then(function (items) {
          status.textContent = search.results.length + (search.results.length === 1 ? " result" : " results") +
            " for “" + query + "”" + (search.results.length > top.length ? " (showing the first " + top.length + ")" : "") + ".";
          items.forEach(function (d) {
            var li = document.createElement("li");
            var kind = document.createElement("span");
            kind.className = "kind-tag";
            kind.textContent = (d.meta.kind || "Page") + (d.meta.year ? " · " + d.meta.year : "");
            var tasks = document.createElement("span");
            tasks.className = "result-tasks";
            tasks.textContent = d.meta.tasks || "";
            var a = document.createElement("a");
            a.href = d.url;
            a.textContent = d.meta.title || d.url;
            var p = document.createElement("p");
            p.appendChild(excerptNodes(d.excerpt || ""));
            li.appendChild(kind);
            li.appendChild(document.createTextNode(" "));
            li.appendChild(a);
            if (d.meta.tasks) li.appendChild(tasks);
            li.appendChild(p);
            list.appendChild(li);
          });
        });
      })["catch"](function () {
        status.textContent = "Search is not available: the search index was not built with this site.";
      });
    }

    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var p = new URLSearchParams(location.search);
      p.set("q", input.value);
      history.replaceState(null, "", location.pathname + "?" + p.toString());
      run(input.value);
    });
    var q = new URLSearchParams(location.search).get("q") || "";
    input.value = q;
    if (q) run(q);
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), function (table) {
      if (table.id === "compare") setupCompare(table, document.querySelector("form[data-filters='compare']"));
      else makeSortable(table);
    });
    Array.prototype.forEach.call(document.querySelectorAll("button[data-copy]"), setupCopy);
    var search = document.querySelector("form[data-search]");
    if (search) setupSearch(search);
  });
})();
