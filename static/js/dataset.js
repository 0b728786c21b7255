// Shows the dataset's background summary as soon as it is ready.
document.addEventListener("DOMContentLoaded", () => {
  const section = document.getElementById("dataset-summary");
  const url = section && section.dataset.pollUrl;
  if (!url) return;
  const question = document.querySelector("textarea[name=question]");
  const untouched = question ? question.value : "";
  const pollEveryMs = 1500;

  // Reloading would throw away a question being typed; offer it instead.
  const userIsTyping = () =>
    question && (document.activeElement === question || question.value !== untouched);

  const showReady = () => {
    const progress = section.querySelector("[data-testid=summary-progress]");
    const link = document.createElement("a");
    link.href = window.location.pathname;
    link.textContent = "The summary is ready — show it";
    if (progress) progress.replaceChildren(link);
  };

  const poll = async () => {
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (response.ok) {
        const dataset = await response.json();
        if (dataset.summary_status !== "pending" && dataset.summary_status !== "running") {
          if (userIsTyping()) showReady();
          else window.location.reload();
          return;
        }
      }
    } catch (error) {
      // A dropped connection is retried on the next tick.
    }
    window.setTimeout(poll, pollEveryMs);
  };
  window.setTimeout(poll, pollEveryMs);
});
