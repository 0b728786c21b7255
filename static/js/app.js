// Small progressive enhancements shared by every page.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });
  // A form that waits on a provider says so, and cannot be sent twice.
  document.querySelectorAll("form[data-busy]").forEach((form) => {
    form.addEventListener("submit", () => {
      const button = form.querySelector("button[type=submit]");
      if (!button) return;
      button.disabled = true;
      const spinner = document.createElement("span");
      spinner.className = "spinner";
      spinner.setAttribute("aria-hidden", "true");
      button.replaceChildren(spinner, " ", form.dataset.busy);
    });
  });
  const switcher = document.querySelector("[data-account-switcher] select");
  if (switcher) {
    switcher.addEventListener("change", () => { window.location.href = switcher.value; });
  }
});
