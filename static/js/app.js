// Small progressive enhancements shared by every page.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });
  const switcher = document.querySelector("[data-account-switcher] select");
  if (switcher) {
    switcher.addEventListener("change", () => { window.location.href = switcher.value; });
  }
});
