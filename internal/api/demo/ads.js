window.demoTagsRan = (window.demoTagsRan || []).concat("advertising");
var el = document.getElementById("tag-advertising");
if (el) { el.textContent = "loaded"; el.className = "on"; }
