// Search page: Pagefind's JavaScript API over the static index, one bundle per
// year in <bundle>/<year>/ (the years are in the form's data-shards, newest
// first). The newest bundle is loaded and the others merged into it
// (Pagefind's mergeIndex): one search, results and filter counts across all.
// The form works without this script (it only reloads the page with ?q=...);
// with it, results appear as you type, with their places, and the country,
// city and region filters narrow them. The state is kept in the address.
const form = document.getElementById("search-form");
const input = document.getElementById("search-input");
const statusLine = document.getElementById("search-status");
const list = document.getElementById("search-results");
const more = document.getElementById("search-more");
const filterBox = document.getElementById("search-filters");
const selects = [...filterBox.querySelectorAll("select[data-filter]")];
const siteurl = form.dataset.siteurl;
const shards = (form.dataset.shards || "").split(" ").filter(Boolean);
const PAGE = 10;
const KIND_LABELS = { country: "Countries", city: "Cities", region: "Regions" };

let pagefind = null;
let loading = null;
let results = [];
let shown = 0;
let generation = 0;

async function openIndex() {
  // No articles, no index: the page says so itself.
  if (!shards.length) throw new Error("no articles to search");
  const [newest, ...older] = shards;
  const options = { baseUrl: form.dataset.base, excerptLength: 24 };
  try {
    const api = await import(`${form.dataset.bundle}${newest}/pagefind.js`);
    await api.options(options);
    await api.init();
    await Promise.all(older.map((year) => api.mergeIndex(`${form.dataset.bundle}${year}/`, options)));
    pagefind = api;
    return api;
  } catch (error) {
    statusLine.textContent =
      "The search index is missing from this copy of the site. Browse the places and archives below instead.";
    throw error;
  }
}

function loadPagefind() {
  loading ??= openIndex(); // once, however many callers ask at the same time
  return loading;
}

async function fillFilters() {
  const available = await pagefind.filters();
  const params = new URLSearchParams(location.search);
  for (const select of selects) {
    const values = Object.keys(available[select.dataset.filter] || {}).sort((a, b) => a.localeCompare(b));
    for (const value of values) {
      const option = document.createElement("option");
      option.value = value;
      option.textContent = value;
      select.append(option);
    }
    select.value = params.get(select.name) || "";
    select.closest("p").hidden = values.length === 0;
  }
  filterBox.hidden = false;
}

function chosenFilters() {
  const filters = {};
  for (const select of selects) {
    if (select.value) filters[select.dataset.filter] = select.value;
  }
  return filters;
}

function keepInAddress(query, filters) {
  const params = new URLSearchParams();
  if (query) params.set("q", query);
  for (const [name, value] of Object.entries(filters)) params.set(name, value);
  const search = params.toString();
  history.replaceState(null, "", search ? `?${search}` : location.pathname);
}

function placeTags(meta) {
  let places = [];
  try {
    places = JSON.parse(meta.places || "[]");
  } catch {
    places = [];
  }
  if (!places.length) return null;
  const dl = document.createElement("dl");
  dl.className = "places";
  for (const kind of ["country", "city", "region"]) {
    const ofKind = places.filter((p) => p[0] === kind);
    if (!ofKind.length) continue;
    const row = document.createElement("div");
    const dt = document.createElement("dt");
    dt.textContent = KIND_LABELS[kind];
    const dd = document.createElement("dd");
    const ul = document.createElement("ul");
    ul.className = "inline-list";
    for (const [, name, url] of ofKind) {
      const li = document.createElement("li");
      const a = document.createElement("a");
      a.href = siteurl + url;
      a.textContent = name;
      li.append(a);
      ul.append(li);
    }
    dd.append(ul);
    row.append(dt, dd);
    dl.append(row);
  }
  return dl;
}

function card(data) {
  const li = document.createElement("li");
  const article = document.createElement("article");
  article.className = "article-card";
  const h2 = document.createElement("h2");
  const link = document.createElement("a");
  link.href = data.url;
  link.textContent = data.meta.title || data.url;
  h2.append(link);
  article.append(h2);
  if (data.meta.date) {
    const date = document.createElement("p");
    date.className = "meta";
    date.textContent = data.meta.date;
    article.append(date);
  }
  if (data.meta.summary) {
    const summary = document.createElement("p");
    summary.className = "summary";
    summary.textContent = data.meta.summary;
    article.append(summary);
  }
  const excerpt = document.createElement("p");
  excerpt.className = "meta excerpt";
  excerpt.innerHTML = `Match: …${data.excerpt}…`; // Pagefind escapes the text; only <mark> is markup
  article.append(excerpt);
  const tags = placeTags(data.meta);
  if (tags) article.append(tags);
  li.append(article);
  return li;
}

async function showMore(run) {
  const slice = results.slice(shown, shown + PAGE);
  const loaded = await Promise.all(slice.map((r) => r.data()));
  if (run !== generation) return;
  for (const data of loaded) list.append(card(data));
  shown += slice.length;
  more.hidden = shown >= results.length;
}

async function search() {
  const run = ++generation;
  const query = input.value.trim();
  const filters = chosenFilters();
  keepInAddress(query, filters);
  if (!query && !Object.keys(filters).length) {
    list.replaceChildren();
    results = [];
    more.hidden = true;
    statusLine.textContent = "";
    return;
  }
  try {
    await loadPagefind();
  } catch {
    return; // the status line says why
  }
  const found = await pagefind.debouncedSearch(query || null, { filters }, 200);
  if (found === null || run !== generation) return;
  results = found.results;
  shown = 0;
  list.replaceChildren();
  const about = query ? ` for “${query}”` : "";
  const narrowed = Object.values(filters).length ? ` in ${Object.values(filters).join(", ")}` : "";
  statusLine.textContent =
    results.length === 0
      ? `No articles${about}${narrowed}.`
      : `${results.length} article${results.length === 1 ? "" : "s"}${about}${narrowed}.`;
  await showMore(run);
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  search();
});
input.addEventListener("input", () => search());
for (const select of selects) select.addEventListener("change", () => search());
more.addEventListener("click", () => showMore(generation));
input.addEventListener("focus", () => loadPagefind().catch(() => {}), { once: true });

const params = new URLSearchParams(location.search);
input.value = params.get("q") || "";
loadPagefind()
  .then(fillFilters)
  .then(() => search())
  .catch(() => {});
