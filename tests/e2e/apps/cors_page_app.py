"""A page, served from its own origin, that calls the example service from a browser.

``GET /?service=http://127.0.0.1:PORT`` returns HTML whose script makes the
cross-origin calls tests/e2e/test_browser_cors.py is about and writes what the
browser let it see, as JSON, into ``<pre id="results">``.
"""

from __future__ import annotations

from asgiweb import App
from asgiweb.responses import HTMLResponse

PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>CORS check</title></head>
<body><pre id="results">pending</pre>
<script>
const service = new URLSearchParams(location.search).get("service");
const results = {};

async function attempt(name, call) {
  try {
    results[name] = await call();
  } catch (error) {
    results[name] = "blocked: " + error.name;
  }
}

(async () => {
  await attempt("simple", async () => {
    const r = await fetch(service + "/items/1");
    return {status: r.status, name: (await r.json()).name};
  });
  await attempt("credentialed", async () => {
    const set = await fetch(service + "/preferences/page-size?size=3",
                            {method: "PUT", credentials: "include"});
    const r = await fetch(service + "/items", {credentials: "include"});
    return {set: set.status, limit: (await r.json()).limit};
  });
  await attempt("without_credentials", async () => {
    const r = await fetch(service + "/items");
    return {limit: (await r.json()).limit};
  });
  await attempt("preflighted", async () => {
    const r = await fetch(service + "/items/1", {
      method: "PUT",
      headers: {"content-type": "application/json", "x-request-id": "from-the-page"},
      body: JSON.stringify({name: "renamed in the browser", quantity: 7}),
    });
    return {status: r.status, name: (await r.json()).name};
  });
  await attempt("header_not_allowed", async () => {
    const r = await fetch(service + "/items/1", {headers: {"x-secret": "1"}});
    return {status: r.status};
  });
  await attempt("exposed_header", async () => {
    const r = await fetch(service + "/exports/items.csv");
    await r.text();
    return {disposition: r.headers.get("content-disposition")};
  });
  document.getElementById("results").textContent = JSON.stringify(results);
})();
</script></body></html>
"""

app = App()


@app.get("/", response_class=HTMLResponse)
async def page() -> str:
    return PAGE
