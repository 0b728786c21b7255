// "Test API Key": queue a test through the API, then poll until it ends.
// The key is sent once, in the POST body; it is never put in a URL.
(function () {
  const form = document.getElementById("provider-form");
  const button = document.getElementById("test-key");
  const output = document.getElementById("key-test-result");
  if (!form || !button || !output) return;
  const POLL_MS = 1000;
  const GIVE_UP_MS = 90000;

  function csrfToken() {
    return form.querySelector("input[name=csrfmiddlewaretoken]").value;
  }

  function show(kind, text) {
    output.hidden = false;
    output.className = "test-result " + kind;
    output.textContent = text;
  }

  function selectedProvider() {
    const checked = form.querySelector("input[name=provider]:checked");
    return checked ? checked.value : "";
  }

  async function request(url, options) {
    const response = await fetch(url, Object.assign({
      credentials: "same-origin",
      headers: {"Accept": "application/json", "Content-Type": "application/json", "X-CSRFToken": csrfToken()},
    }, options));
    let body = {};
    try { body = await response.json(); } catch (error) { body = {}; }
    return {status: response.status, body: body};
  }

  function finish(test) {
    const kind = test.status === "succeeded" ? "success" : "error";
    const label = test.status === "succeeded" ? "✓ " : "✗ ";
    show(kind, label + test.message);
    button.disabled = false;
  }

  async function poll(url, startedAt) {
    const {status, body} = await request(url, {method: "GET"});
    if (status !== 200) {
      show("error", body.detail || "The test result could not be read. Try again.");
      button.disabled = false;
      return;
    }
    if (body.status === "succeeded" || body.status === "failed") {
      finish(body);
      return;
    }
    const seconds = Math.round((Date.now() - startedAt) / 1000);
    show("progress", "Testing your key… " + seconds + " s (5–10 s is normal)");
    if (Date.now() - startedAt > GIVE_UP_MS) {
      show("error", "The test is taking far longer than usual. Reload the page to see its result.");
      button.disabled = false;
      return;
    }
    window.setTimeout(() => poll(url, startedAt), POLL_MS);
  }

  button.addEventListener("click", async () => {
    const provider = selectedProvider();
    if (provider !== "anthropic" && provider !== "openai") {
      show("error", "Select Claude (Anthropic) or OpenAI to test a key.");
      return;
    }
    const keyInput = form.querySelector("input[name=api_key]");
    const payload = {provider: provider};
    if (keyInput.value.trim() !== "") payload.api_key = keyInput.value;
    button.disabled = true;
    show("progress", "Testing your key… (5–10 s is normal)");
    const startedAt = Date.now();
    const listUrl = form.dataset.keyTestUrl;
    const {status, body} = await request(listUrl, {method: "POST", body: JSON.stringify(payload)});
    if (status !== 202) {
      show("error", body.detail || "The test could not be started. Try again.");
      button.disabled = false;
      return;
    }
    poll(listUrl + body.id + "/", startedAt);
  });
})();
