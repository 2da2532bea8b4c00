// Ballast's dashboard script. Pages are complete without it; it adds the theme switch (kept in localStorage).
"use strict";
(() => {
  const root = document.documentElement;
  const saved = localStorage.getItem("ballast-theme");
  if (saved === "light" || saved === "dark") root.dataset.theme = saved;

  document.addEventListener("click", (event) => {
    if (!event.target.closest("[data-theme-toggle]")) return;
    const dark = root.dataset.theme ? root.dataset.theme === "dark" : matchMedia("(prefers-color-scheme: dark)").matches;
    root.dataset.theme = dark ? "light" : "dark";
    localStorage.setItem("ballast-theme", root.dataset.theme);
  });
})();
