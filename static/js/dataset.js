// Reloads the dataset page once its background summary has finished.
document.addEventListener("DOMContentLoaded", () => {
  const section = document.getElementById("dataset-summary");
  const url = section && section.dataset.pollUrl;
  if (!url) return;
  const pollEveryMs = 1500;
  const poll = async () => {
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (response.ok) {
        const dataset = await response.json();
        if (dataset.summary_status !== "pending" && dataset.summary_status !== "running") {
          window.location.reload();
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
