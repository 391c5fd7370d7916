function showState() {
  var el = document.getElementById("state");
  if (!el || !window.assent || !window.assent.choices) return;
  var c = window.assent.choices();
  el.textContent = c ? JSON.stringify(c) : "undecided";
}
document.addEventListener("assent:consent", showState);
document.addEventListener("assent:change", showState);
window.addEventListener("load", showState);
