// Brings what a form's answer says into view: the error summary when a form was refused,
// otherwise the confirmation after a save. Static file: the CSP allows no inline script.
document.addEventListener("DOMContentLoaded", () => {
  const target =
    document.querySelector("[data-error-summary]") || document.querySelector("[data-messages]");
  if (target) {
    target.focus();
    target.scrollIntoView({ block: "start" });
  }
});
