// digest triage: every candidate of the issue, best first; keep, dismiss, undo by key.
// The list is rendered once; keys only move a class, show or hide rows, and build an abstract
// when it is first opened. Text from arXiv is only ever set with textContent.
(function () {
  "use strict";

  var token = document.querySelector('meta[name="digest-token"]').content;
  var list = document.getElementById("list");
  var filterBox = document.getElementById("filter");
  var statusLine = document.getElementById("status");
  var timings = { firstRows: null, load: null, abstracts: null, keys: [], saves: [] };
  var FIRST_ROWS = 40;  // rows built before the first paint (more than a screenful)
  window.triageTimings = timings; // read by the browser test and bench/bench_triage.py

  var papers = [];      // from the JSON in the page (what /api/state answers), best first
  var rows = [];        // the <li> of each paper, same index
  var byId = {};        // paper id -> index
  var decision = {};    // paper id -> "kept" | "dismissed"
  var inFile = {};      // paper id -> true when the issue file has its section
  var inFileKnown = true; // false while the issue file does not parse: which sections it has is not known
  var keptOrder = [];   // kept paper ids, in the order kept
  var visible = [];     // index -> shown by the filter
  var abstracts = null; // each paper's abstract paragraphs, asked for once the list shows
  var haystacks = null; // lower-case text of each paper, made on the first word filter
  var cursor = -1;
  var issue = "";
  var undoStack = [];
  var queue = Promise.resolve();
  var counts = { kept: 0, dismissed: 0 };

  // -- small helpers -------------------------------------------------------------------
  function el(tag, cls, text) {
    var n = document.createElement(tag);
    if (cls) n.className = cls;
    if (text !== undefined && text !== null) n.textContent = text;
    return n;
  }
  function say(text, isError) {
    statusLine.textContent = text;
    statusLine.className = isError ? "error" : "";
  }
  function titleOf(i) { return "\u201c" + papers[i].title + "\u201d"; }
  function authorsText(names) {
    if (!names.length) return "";
    var shown = names.slice(0, 6).join(", ");
    return names.length > 6 ? shown + " + " + (names.length - 6) + " more" : shown;
  }

  // -- rendering, once -----------------------------------------------------------------
  // A row is small: rank, score, title, authors, categories, date. Its buttons, badges and
  // abstract are made when first needed, so 1,500 rows build and lay out quickly.
  function row(p, i) {
    var li = el("li", "paper");
    li.tabIndex = -1;
    li.dataset.i = i;
    li.setAttribute("aria-labelledby", "t" + i);
    var side = el("div", "side");
    side.appendChild(el("span", "rank", String(p.rank)));
    if (p.score !== null) side.appendChild(el("span", "score", p.score.toFixed(3)));
    var body = el("div", "body");
    var h = el("h3", "title");
    h.id = "t" + i;
    var a = el("a", null, p.title);
    a.href = "https://arxiv.org/abs/" + p.id;
    a.target = "_blank";
    a.rel = "noopener noreferrer";
    a.tabIndex = -1;
    h.appendChild(a);
    body.appendChild(h);
    var au = authorsText(p.authors);
    if (au) body.appendChild(el("p", "authors", au));
    var meta = el("p", "meta");
    for (var c = 0; c < p.cats.length; c++) {
      meta.appendChild(el("span", p.cats[c] === p.primary ? "cat primary" : "cat", p.cats[c]));
    }
    if (p.date) meta.appendChild(el("span", "date", p.date));
    body.appendChild(meta);
    li.appendChild(side);
    li.appendChild(body);
    return li;
  }

  function render(from, to) { // rows [from, to), appended; each row is built once
    var frag = document.createDocumentFragment();
    for (var i = from; i < to; i++) {
      var li = row(papers[i], i);
      rows.push(li);
      visible.push(true);
      frag.appendChild(li);
    }
    list.appendChild(frag);
    for (var j = from; j < to; j++) if (decision[papers[j].id] || inFile[papers[j].id]) paint(j, false);
  }

  function button(cls, text, act) {
    var b = el("button", cls, text);
    b.type = "button";
    b.dataset.act = act;
    b.tabIndex = -1; // the keys drive the list; the buttons are for the pointer and for assistive tech
    return b;
  }

  function actions(i) { // the row's buttons, made when it is first the cursor or under the pointer
    var li = rows[i];
    if (li.querySelector(".acts")) return;
    var box = el("div", "acts");
    box.appendChild(button("keep", "Keep", "kept"));
    box.appendChild(button("dismiss", "Dismiss", "dismissed"));
    var open = button("open", "Abstract", "open");
    var details = li.querySelector(".details");
    open.setAttribute("aria-expanded", details && !details.hidden ? "true" : "false");
    if (details) open.setAttribute("aria-controls", details.id);
    box.appendChild(open);
    li.appendChild(box);
    paint(i, li.classList.contains("pending"));
  }

  function fill(box, i) {
    box.textContent = "";
    var p = papers[i], paras = abstracts ? abstracts[i] : null;
    if (!paras) box.appendChild(el("p", "hint waiting", "Loading the abstract\u2026"));
    else if (!paras.length) box.appendChild(el("p", "hint", "No abstract in the store."));
    else for (var k = 0; k < paras.length; k++) box.appendChild(el("p", "abstract", paras[k]));
    if (p.why.length) {
      box.appendChild(el("p", "why-title", "Why it ranks here"));
      var ul = el("ul", "why");
      for (var w = 0; w < p.why.length; w++) ul.appendChild(el("li", null, p.why[w]));
      box.appendChild(ul);
    }
    var links = el("p", "links");
    var abs = el("a", null, "arXiv:" + p.v);
    abs.href = "https://arxiv.org/abs/" + p.id; abs.target = "_blank"; abs.rel = "noopener noreferrer";
    var pdf = el("a", null, "PDF");
    pdf.href = "https://arxiv.org/pdf/" + p.id; pdf.target = "_blank"; pdf.rel = "noopener noreferrer";
    links.appendChild(abs);
    links.appendChild(document.createTextNode(" \u00b7 "));
    links.appendChild(pdf);
    links.appendChild(document.createTextNode(" \u00b7 rank " + p.rank + " of " + papers.length +
      (p.score === null ? "" : " \u00b7 score " + p.score.toFixed(4))));
    box.appendChild(links);
  }

  function details(i) {
    var box = el("div", "details");
    box.id = "abs" + i;
    fill(box, i);
    return box;
  }

  // -- what a row shows ----------------------------------------------------------------
  function badge(li, cls, text) {
    var b = li.querySelector(".badge." + cls);
    if (!b && text) {
      b = el("span", "badge " + cls);
      li.querySelector(".meta").appendChild(b);
    }
    if (b) b.textContent = text;
  }

  function paint(i, pending) {
    var li = rows[i], id = papers[i].id, d = decision[id] || null;
    if (!li) return; // not built yet: `render` paints it
    li.classList.toggle("kept", d === "kept");
    li.classList.toggle("dismissed", d === "dismissed");
    li.classList.toggle("pending", !!pending);
    li.classList.toggle("in-file", !!inFile[id]);
    badge(li, "infile", inFile[id] ? "in issue" : "");
    badge(li, "mark", d === "kept" ? "kept" : d === "dismissed" ? "dismissed" : "");
    var keep = li.querySelector("button.keep");
    if (keep) {
      keep.setAttribute("aria-pressed", d === "kept" ? "true" : "false");
      li.querySelector("button.dismiss").setAttribute("aria-pressed", d === "dismissed" ? "true" : "false");
    }
  }

  function setDecision(i, d) {
    var id = papers[i].id, old = decision[id] || null;
    if (old === d) return;
    if (old) counts[old] -= 1;
    if (d) counts[d] += 1;
    if (d) decision[id] = d; else delete decision[id];
    if (old === "kept") keptOrder.splice(keptOrder.indexOf(id), 1);
    if (d === "kept") keptOrder.push(id);
    showCounts();
    showKept();
  }

  function showCounts() {
    document.getElementById("n-kept").textContent = counts.kept;
    document.getElementById("n-dismissed").textContent = counts.dismissed;
    document.getElementById("n-left").textContent = papers.length - counts.kept - counts.dismissed;
  }

  function showKept() {
    var ol = document.getElementById("kept-list");
    ol.textContent = "";
    for (var k = 0; k < keptOrder.length; k++) {
      var i = byId[keptOrder[k]];
      var li = el("li");
      var b = el("button", "jump", papers[i].title);
      b.type = "button";
      b.dataset.i = i;
      b.tabIndex = -1;
      li.appendChild(b);
      ol.appendChild(li);
    }
    document.getElementById("kept-empty").hidden = keptOrder.length > 0;
    var n = 0;
    for (var id in inFile) if (inFile[id]) n++;
    document.getElementById("in-file").textContent = inFileKnown
      ? n + " of these candidates have a section in the issue file (drafted by digest new or kept here)."
      : "Which candidates have a section in the issue file is not known: it does not parse. Fix it, then reload.";
  }

  // -- the cursor ----------------------------------------------------------------------
  function setCursor(i, focus) { // focus: true (default) focus and scroll to it, "here" focus only, false neither
    if (i < 0 || i >= rows.length) return;
    if (cursor >= 0 && cursor !== i) {
      rows[cursor].classList.remove("cur");
      close(cursor);
    }
    cursor = i;
    var li = rows[i];
    actions(i);
    li.classList.add("cur");
    if (focus !== false) li.focus({ preventScroll: true });
    if (focus !== false && focus !== "here") li.scrollIntoView({ block: "nearest" });
  }

  function move(step) {
    var i = cursor;
    do { i += step; } while (i >= 0 && i < rows.length && !visible[i]);
    if (i >= 0 && i < rows.length) setCursor(i);
    else if (cursor >= 0) say(step > 0 ? "the end of the list" : "the top of the list");
  }

  function firstVisible() {
    for (var i = 0; i < rows.length; i++) if (visible[i]) return i;
    return -1;
  }

  function toggle(i) {
    actions(i);
    var li = rows[i], box = li.querySelector(".details"), button = li.querySelector("button.open");
    var opening = !box || box.hidden;
    if (!box) {
      box = details(i);
      li.insertBefore(box, li.querySelector(".acts"));
      button.setAttribute("aria-controls", box.id);
    } else {
      box.hidden = !opening;
    }
    button.setAttribute("aria-expanded", opening ? "true" : "false");
    li.classList.toggle("open", opening);
    if (opening && i === cursor) li.scrollIntoView({ block: "nearest" }); // the abstract in view, the title first
  }

  function close(i) {
    var li = rows[i], box = li.querySelector(".details");
    if (box && !box.hidden) toggle(i);
  }

  // -- the filter ----------------------------------------------------------------------
  function matcher(text) {
    var terms = text.toLowerCase().split(/\s+/).filter(Boolean);
    if (!terms.length) return null;
    var tests = terms.map(function (t) {
      var neg = t.charAt(0) === "-" && t.length > 1;
      if (neg) t = t.slice(1);
      var f;
      if (t.indexOf("is:") === 0) {
        var what = t.slice(3);
        f = function (i) {
          var d = decision[papers[i].id];
          if (what === "kept" || what === "dismissed") return d === what;
          if (what === "left") return !d;
          if (what === "issue" || what === "in-issue") return !!inFile[papers[i].id];
          return false;
        };
      } else if (t.indexOf("cat:") === 0) {
        var cat = t.slice(4);
        f = function (i) {
          var cs = papers[i].cats;
          for (var k = 0; k < cs.length; k++) if (cs[k].toLowerCase().indexOf(cat) === 0) return true;
          return false;
        };
      } else {
        if (!haystacks) haystacks = papers.map(function (p, j) {
          return [p.title, p.authors.join(" "), p.cats.join(" "), p.id, abstracts ? abstracts[j].join(" ") : ""]
            .join("\n").toLowerCase();
        });
        f = function (i) { return haystacks[i].indexOf(t) !== -1; };
      }
      return neg ? function (i) { return !f(i); } : f;
    });
    return function (i) {
      for (var k = 0; k < tests.length; k++) if (!tests[k](i)) return false;
      return true;
    };
  }

  var current = null;
  var NEAR = 60; // rows around the cursor shown at once when a filter is widened; the others a frame later
  var showLater = null;
  function applyFilter() {
    current = matcher(filterBox.value);
    var n = 0, from = cursor - NEAR, to = cursor + NEAR, later = [];
    for (var i = 0; i < rows.length; i++) {
      var show = current ? current(i) : true;
      if (show !== visible[i]) {
        visible[i] = show;
        // Hiding is cheap and shown at once; showing a thousand rows is not, and they are off screen.
        if (!show || (i >= from && i <= to)) rows[i].hidden = !show;
        else later.push(i);
      }
      if (show) n++;
    }
    if (later.length) {
      showLater = (showLater || []).concat(later);
      afterPaint(function () {
        var pending = showLater || [];
        showLater = null;
        for (var k = 0; k < pending.length; k++) rows[pending[k]].hidden = !visible[pending[k]];
      });
    }
    document.getElementById("shown").textContent = current ? "showing " + n + " of " + rows.length : "";
    if (cursor >= 0 && !visible[cursor]) {
      rows[cursor].classList.remove("cur");
      close(cursor);
      var f = firstVisible();
      cursor = -1;
      if (f >= 0) { rows[f].hidden = false; setCursor(f, false); }
    } else if (cursor < 0) {
      var g = firstVisible();
      if (g >= 0) { rows[g].hidden = false; setCursor(g, false); }
    }
  }

  function refilter(i) { // after a decision: an is: filter may now hide or show this row
    if (!current || !rows[i]) return;
    var show = current(i);
    if (show !== visible[i]) { visible[i] = show; rows[i].hidden = !show; }
  }

  // -- decisions -----------------------------------------------------------------------
  function saveUndo() {
    try { sessionStorage.setItem("digest-triage:" + issue, JSON.stringify(undoStack)); } catch (e) { /* private mode */ }
  }

  function decide(i, d, advance) {
    var id = papers[i].id, before = decision[id] || null;
    if (before !== d) {
      undoStack.push({ id: id, before: before });
      saveUndo();
      setDecision(i, d);
      paint(i, true);
      send(i, d);
    }
    if (advance) move(1);
    refilter(i);
  }

  function undo() {
    var last = undoStack.pop();
    if (!last) { say("nothing to undo in this tab"); return; }
    saveUndo();
    var i = byId[last.id];
    if (i === undefined) return;
    if (rows[i] && !visible[i]) { visible[i] = true; rows[i].hidden = false; }
    setDecision(i, last.before);
    paint(i, true);
    setCursor(i);
    send(i, last.before, true);
  }

  var inFlight = {}; // paper id -> requests not answered yet: only the last answer is shown

  function send(i, d, undoing) {
    var id = papers[i].id;
    inFlight[id] = (inFlight[id] || 0) + 1;
    var asked = performance.now();
    queue = queue.then(function () {
      return fetch("/api/decide", {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-Digest-Token": token },
        body: JSON.stringify({ id: id, decision: d })
      }).then(function (r) {
        return r.json().then(function (data) { return { ok: r.ok, data: data }; });
      }).then(function (res) {
        timings.saves.push(performance.now() - asked);
        var data = res.data, last = --inFlight[id] === 0;
        if (last && data.id !== undefined && byId[data.id] === i) {
          setDecision(i, data.decision === undefined ? null : data.decision);
          if (data.in_file !== null) inFile[id] = !!data.in_file; // null: the file does not parse
          showKept();
        }
        paint(i, !last);
        refilter(i);
        if (res.ok) say((undoing ? "undone: " : "") + titleOf(i) + " \u2014 " + data.message);
        else {
          if (!undoing && undoStack.length && undoStack[undoStack.length - 1].id === id) { undoStack.pop(); saveUndo(); }
          say(titleOf(i) + ": " + (data.error || "refused"), true);
        }
      }, function () {
        paint(i, --inFlight[id] > 0);
        say(titleOf(i) + ": the triage server does not answer (was it stopped?); restart `digest triage` and reload", true);
      });
    });
  }

  // -- keys and clicks -----------------------------------------------------------------
  function afterPaint(fn) { requestAnimationFrame(function () { setTimeout(fn, 0); }); }

  function stamp(e, name) { // time from the key to the next frame painted
    var t0 = e.timeStamp, key = name || e.key;
    afterPaint(function () { timings.keys.push({ key: key, ms: performance.now() - t0 }); });
  }

  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey || !rows.length) return;
    var t = e.target;
    if (t === filterBox) {
      if (e.key === "Escape") { filterBox.value = ""; applyFilter(); }
      if (e.key === "Escape" || e.key === "Enter") {
        e.preventDefault();
        var f = cursor >= 0 ? cursor : firstVisible();
        if (f >= 0) setCursor(f);
        stamp(e);
      }
      return;
    }
    if (t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.isContentEditable)) return;
    if (cursor < 0 && e.key !== "/" && e.key !== "u") { var g = firstVisible(); if (g < 0) return; setCursor(g); }
    switch (e.key) {
      case "j": move(1); break;
      case "k": move(-1); break;
      case "o": toggle(cursor); break;
      case " ":
        if (t && (t.tagName === "BUTTON" || t.tagName === "A")) return; // their own action
        toggle(cursor);
        break;
      case "x": decide(cursor, "kept", true); break;
      case "d": decide(cursor, "dismissed", true); break;
      case "u": undo(); break;
      case "/": filterBox.focus({ preventScroll: true }); filterBox.select(); break;
      case "Escape": close(cursor); break;
      default: return;
    }
    e.preventDefault();
    stamp(e);
  });

  filterBox.addEventListener("input", function (e) { applyFilter(); stamp(e, "filter"); });
  document.getElementById("undo").addEventListener("click", undo);

  list.addEventListener("mouseover", function (e) {
    var li = e.target.closest && e.target.closest("li.paper");
    if (li) actions(Number(li.dataset.i));
  });

  list.addEventListener("click", function (e) {
    var li = e.target.closest("li.paper");
    if (!li) return;
    var i = Number(li.dataset.i), act = e.target.closest("button") && e.target.closest("button").dataset.act;
    if (act !== "open" || cursor !== i) setCursor(i, false);
    if (act === "open") toggle(i);
    else if (act === "kept" || act === "dismissed") decide(i, decision[papers[i].id] === act ? null : act, false);
  });

  document.getElementById("kept-list").addEventListener("click", function (e) {
    var b = e.target.closest("button.jump");
    if (!b) return;
    var i = Number(b.dataset.i);
    if (!visible[i]) { filterBox.value = ""; applyFilter(); }
    setCursor(i);
  });

  if (window.ResizeObserver) { // the sticky header's height, for scrolling rows clear of it (no forced layout)
    new ResizeObserver(function (entries) {
      var box = entries[0].borderBoxSize && entries[0].borderBoxSize[0];
      var height = box ? box.blockSize : entries[0].target.offsetHeight;
      document.documentElement.style.setProperty("--head", Math.ceil(height) + "px");
    }).observe(document.getElementById("top"));
  }

  // -- start ---------------------------------------------------------------------------
  function loadAbstracts() {
    fetch("/api/abstracts", { headers: { "X-Digest-Token": token } }).then(function (r) {
      if (!r.ok) throw new Error("HTTP " + r.status);
      return r.json();
    }).then(function (data) {
      abstracts = data;
      haystacks = null; // words now match abstracts too
      if (current) applyFilter();
      var waiting = list.querySelectorAll(".details");
      for (var k = 0; k < waiting.length; k++) {
        if (waiting[k].querySelector(".waiting")) fill(waiting[k], Number(waiting[k].id.slice(3)));
      }
      timings.abstracts = performance.now();
      document.body.dataset.abstracts = "1";
    }).catch(function (err) {
      say("could not load the abstracts (" + err.message + "); reload the page", true);
    });
  }

  function start(data) {
    performance.mark("triage-data");
    var st = data.state;
    papers = data.papers;
    issue = st.issue;
    for (var n = 0; n < papers.length; n++) byId[papers[n].id] = n;
    inFileKnown = st.in_file !== null;
    var listed = st.in_file || [];
    for (var k = 0; k < listed.length; k++) inFile[listed[k]] = true;
    var kept = [];
    for (var id in st.decisions) {
      if (byId[id] === undefined) continue;
      decision[id] = st.decisions[id];
      counts[st.decisions[id]] += 1;
      if (st.decisions[id] === "kept") kept.push(id);
    }
    // kept papers in the order of their sections in the file, then those whose section is gone
    var pos = {};
    listed.forEach(function (pid, n) { pos[pid] = n; });
    kept.sort(function (a, b) {
      return (pos[a] === undefined ? 1e9 : pos[a]) - (pos[b] === undefined ? 1e9 : pos[b]);
    });
    keptOrder = kept;
    // The first screenful now, the rest right after it is painted: the page is usable at once.
    render(0, Math.min(FIRST_ROWS, papers.length));
    performance.mark("triage-first-rows");
    try { undoStack = JSON.parse(sessionStorage.getItem("digest-triage:" + issue) || "[]"); } catch (e) { undoStack = []; }
    showCounts();
    showKept();
    document.getElementById("ranked-by").textContent = st.total + " candidates, " + st.ranked_by + "." +
      (st.missing ? " " + st.missing + " more are no longer in the store." : "");
    document.getElementById("loading").remove();
    if (st.problem) say(st.problem, true);
    if (rows.length) setCursor(0, "here");
    afterPaint(function () {
      timings.firstRows = performance.now();
      render(rows.length, papers.length);
      performance.mark("triage-rendered");
      if (current) applyFilter();
      afterPaint(function () {
        timings.load = performance.now();
        document.body.dataset.ready = "1";
        loadAbstracts();
      });
    });
  }

  try {
    start(JSON.parse(document.getElementById("data").textContent)); // the server puts /api/state's JSON in the page
  } catch (err) {
    document.getElementById("loading").textContent = "Could not show the candidates: " + err.message;
    document.getElementById("loading").className = "error";
  }
})();
