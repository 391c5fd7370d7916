window.demoTagsRan = (window.demoTagsRan || []).concat("analytics");
var el = document.getElementById("tag-analytics");
if (el) { el.textContent = "loaded"; el.className = "on"; }
